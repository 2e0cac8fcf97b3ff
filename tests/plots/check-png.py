#!/usr/bin/python3
"""check-png.py DIR NAME...: DIR/NAME.png exists for every NAME and is a valid, non-trivial PNG: the
PNG signature, an IHDR chunk of at least 300 x 200 pixels, decodable by matplotlib to an image of that
size, more than 10 kB, and not blank (many distinct colours)."""
import os
import struct
import sys
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.image as mpimg

d, names = sys.argv[1], sys.argv[2:]
bad = 0
for n in names:
    p = os.path.join(d, n + ".png")
    why = None
    if not os.path.isfile(p):
        why = "missing"
    else:
        raw = open(p, "rb").read()
        if raw[:8] != b"\x89PNG\r\n\x1a\n":
            why = "no PNG signature"
        elif raw[12:16] != b"IHDR":
            why = "no IHDR chunk"
        else:
            w, h = struct.unpack(">II", raw[16:24])
            img = mpimg.imread(p)
            ncol = len(np.unique((img[..., :3] * 255).astype(np.uint8).reshape(-1, 3), axis=0))
            if w < 300 or h < 200:
                why = f"too small ({w} x {h})"
            elif img.shape[:2] != (h, w):
                why = f"decoded size {img.shape[:2]} differs from IHDR {h} x {w}"
            elif len(raw) < 10000:
                why = f"only {len(raw)} bytes"
            elif ncol < 20:
                why = f"only {ncol} colours: blank?"
    if why:
        bad += 1
        print(f"FAIL {p}: {why}")
    else:
        print(f"ok   {p}: {w} x {h}, {len(raw)} bytes, {ncol} colours")
sys.exit(1 if bad else 0)
