/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _XPV_TEST_LINUX_TOPOLOGY_H
#define _XPV_TEST_LINUX_TOPOLOGY_H

#define LOCAL_DISTANCE	10

#endif
