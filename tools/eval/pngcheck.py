#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""pngcheck.py PNG MIN-PIXELS COLOUR...: PNG is a valid image holding at
least MIN-PIXELS pixels of each COLOUR (#rrggbb: the line of one
configuration, as tools/eval/report.sh draws it) and of black (the axes,
their tics and labels).  Prints what it counted; exit status 1 when a
colour is short, 2 when PNG is not a PNG it can read.

Python's standard library only: PNG's chunks, zlib and its five
scanline filters (8-bit RGB, RGBA or palette, not interlaced: what
gnuplot's png terminal writes)."""
import struct
import sys
import zlib


def fail(msg):
    print(f"pngcheck: {msg}")
    sys.exit(2)


def pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path}: not a PNG (no signature)")
    pos, idat, plte, hdr = 8, b"", None, None
    while pos + 12 <= len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        crc, = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        if zlib.crc32(kind + body) != crc:
            fail(f"{path}: chunk {kind!r} fails its CRC")
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            plte = [tuple(body[i:i + 3]) for i in range(0, len(body), 3)]
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + n
    if not hdr:
        fail(f"{path}: no IHDR")
    w, h, depth, ctype, _, _, interlace = hdr
    bpp = {2: 3, 3: 1, 6: 4}.get(ctype)
    if depth != 8 or not bpp or interlace or (ctype == 3 and not plte):
        fail(f"{path}: depth {depth}, colour type {ctype}, interlace {interlace}: not read here")
    raw = zlib.decompress(idat)
    stride = w * bpp
    if len(raw) != h * (stride + 1):
        fail(f"{path}: {len(raw)} bytes of image data for {w}x{h}")
    prev = bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            elif f != 0:
                fail(f"{path}: filter {f} in row {y}")
        for x in range(w):
            px = line[x * bpp:x * bpp + bpp]
            yield plte[px[0]] if ctype == 3 else tuple(px[:3])
        prev = line
    print(f"{path}: {w}x{h} PNG")


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        sys.exit(2)
    path, least = sys.argv[1], int(sys.argv[2])
    want = {"#000000": 0}
    for c in sys.argv[3:]:
        want[c.lower()] = 0
    for rgb in pixels(path):
        key = "#%02x%02x%02x" % rgb
        if key in want:
            want[key] += 1
    short = [c for c, n in want.items() if n < least]
    for c, n in want.items():
        print(f"{c}: {n} pixels{'' if n >= least else f' (fewer than {least})'}")
    sys.exit(1 if short else 0)


if __name__ == "__main__":
    main()
