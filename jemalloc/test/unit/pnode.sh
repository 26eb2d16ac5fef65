#!/bin/sh

export MALLOC_CONF="percpu_arena:pnode"
