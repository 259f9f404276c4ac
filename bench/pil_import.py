"""The peer for bench/import: the same per-image work in Python with PIL, single process.

For every file: read the bytes, SHA-256 them, open the image, read format/size/EXIF orientation,
make a 256 px thumbnail (orientation applied) and save it as WebP (quality 80, method 1, as Studio).
Prints one JSON line: {"images": n, "seconds": s}.
"""
import hashlib
import json
import os
import sys
import time

from PIL import Image, ImageOps

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(src) for f in fs if f.lower().endswith(('.jpg', '.jpeg')))
start = time.perf_counter()
meta = []
for path in files:
    with open(path, 'rb') as fh:
        data = fh.read()
    digest = hashlib.sha256(data).hexdigest()
    with Image.open(path) as im:
        info = (im.format, im.size, im.getexif().get(0x0112, 1))
        im.draft('RGB', (256, 256))  # what Image.thumbnail does for JPEG: decode at reduced scale
        im = ImageOps.exif_transpose(im)
        im.thumbnail((256, 256), Image.BICUBIC)
        im.save(os.path.join(out, digest + '.webp'), 'WEBP', quality=80, method=1)
    meta.append((digest, info))
print(json.dumps({'images': len(meta), 'seconds': time.perf_counter() - start}))
