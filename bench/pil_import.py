"""The peer for bench/import: the same per-image work in Python with PIL.

For every file: read the bytes, SHA-256 them, open the image, read format/size/EXIF orientation,
make a 256 px thumbnail (orientation applied) and save it as WebP (quality 80, method 1, as Studio).

    python3 pil_import.py <src> <out> [--processes N]

--processes N (default 1) spreads the files over N worker processes (multiprocessing, fork), as
Studio spreads them over its cores; 1 does the work in this process. Timing includes starting the
pool. Prints one JSON line: {"images": n, "seconds": s, "cpu_seconds": c, "processes": N}, where c is the CPU
time (user + system) of this process and its workers: on a shared machine it says more than the wall time.
"""
import hashlib
import json
import multiprocessing
import os
import resource
import sys
import time

from PIL import Image, ImageOps

OUT = ''


def one(path):
    with open(path, 'rb') as fh:
        data = fh.read()
    digest = hashlib.sha256(data).hexdigest()
    with Image.open(path) as im:
        info = (im.format, im.size, im.getexif().get(0x0112, 1))
        im.draft('RGB', (256, 256))  # what Image.thumbnail does for JPEG: decode at reduced scale
        im = ImageOps.exif_transpose(im)
        im.thumbnail((256, 256), Image.BICUBIC)
        im.save(os.path.join(OUT, digest + '.webp'), 'WEBP', quality=80, method=1)
    return digest, info


def main():
    global OUT
    args = sys.argv[1:]
    processes = 1
    if '--processes' in args:
        i = args.index('--processes')
        processes = int(args[i + 1])
        del args[i : i + 2]
    src, OUT = args[0], args[1]
    os.makedirs(OUT, exist_ok=True)
    files = sorted(
        os.path.join(d, f) for d, _, fs in os.walk(src) for f in fs if f.lower().endswith(('.jpg', '.jpeg'))
    )
    start = time.perf_counter()
    if processes == 1:
        meta = [one(p) for p in files]
    else:
        with multiprocessing.get_context('fork').Pool(processes) as pool:
            meta = list(pool.imap_unordered(one, files, chunksize=8))
    seconds = time.perf_counter() - start
    # CPU of this process and of the pool's workers (counted once the pool has reaped them).
    cpu = sum(
        r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    )
    print(json.dumps({'images': len(meta), 'seconds': seconds, 'cpu_seconds': cpu, 'processes': processes}))


if __name__ == '__main__':
    main()
