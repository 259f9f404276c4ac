#!/usr/bin/env python3
"""Classify images with this exported Studio model (model.onnx) in Python.

    pip install onnxruntime pillow numpy
    python predict.py photo.jpg [more.jpg ...]

Prints one JSON line per image: {"file", "label", "confidence", "probabilities"}.

The image becomes the model's input as preprocessing.json says, the way Studio's decoder (sharp /
libvips) does it: JPEG shrink-on-load, the same output size, resampling geometry and crop or padding
offsets, EXIF orientation, colour converted to sRGB with the embedded ICC profile, alpha dropped (not
composited), scaled, laid out as the ONNX graph's input states. Pillow's lanczos is not libvips's to the
bit: on average a pixel differs by less than one level of 255 (enlarged images match exactly); images
fitted with "contain" that JPEG shrink-on-load reduces a lot, and nearly transparent pixels, differ by a
few levels. Probabilities can therefore differ slightly from Studio's; export.json's self-test figures
are for Studio's own decoder.

`--dump-input FILE.npy` writes the preprocessed batch instead of running the model (no onnxruntime
needed): Studio's tests compare it with Studio's own preprocessing.
"""
import io
import json
import math
import os
import sys

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def read_json(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return json.load(f)


PRE = read_json("preprocessing.json")
LABELS = read_json("labels.json")


def to_srgb(img):
    """Converts with the embedded ICC profile to sRGB, as sharp does; images without one are taken as sRGB."""
    icc = img.info.get("icc_profile")
    if not icc or img.mode not in ("RGB", "RGBA", "L", "CMYK"):
        return img
    try:
        from PIL import ImageCms

        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        out_mode = "RGBA" if img.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(img, src, ImageCms.createProfile("sRGB"), outputMode=out_mode)
    except Exception:  # a broken profile: sharp warns and goes on without it
        return img


def shrink_of(w, h, s):
    """sharp's shrink factor: cover shrinks by the smaller of the two axis factors, contain by the larger."""
    return min(w / s, h / s) if PRE["fit"] == "cover" else max(w / s, h / s)


def jpeg_shrink_on_load(img, size):
    """libvips decodes a large JPEG at 1/2, 1/4 or 1/8 scale first (sharp's fastShrinkOnLoad); so does this."""
    if img.format != "JPEG":
        return img
    w, h = img.size
    shrink = shrink_of(w, h, size)
    factor = 8 if shrink >= 8 else 4 if shrink >= 4 else 2 if shrink >= 2 else 1
    if factor > 1 and int(shrink) == factor:  # sharp avoids libjpeg's rounding at exact factors
        factor //= 2
    if factor > 1:
        img.draft(img.mode, (w // factor, h // factor))
    return img


def resize(img, w, h, shrink):
    """As libvips resizes (sharp's lanczos3 kernel); Pillow premultiplies RGBA itself, as libvips does."""
    if img.size == (w, h):
        return img
    if shrink < 1:
        # Enlarging: vips_affine with bicubic samples input x at x_out * shrink - 0.5, edges copied. In Pillow's
        # centre convention that is a box shifted by -shrink / 2 over an edge-padded copy.
        pad = 2
        a = np.asarray(img)
        a = np.pad(a, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
        o = pad - shrink / 2
        return Image.fromarray(a).resize((w, h), Image.BICUBIC, box=(o, o, o + w * shrink, o + h * shrink))
    # Reducing: lanczos3 to the rounded sizes, after a box pre-shrink by an integer factor (libvips's "gap" 2 is
    # Pillow's reducing_gap).
    return img.resize((w, h), Image.LANCZOS, reducing_gap=2.0)


# EXIF orientation → the transpose that makes the image upright (as ImageOps.exif_transpose).
UPRIGHT = {
    2: Image.FLIP_LEFT_RIGHT,
    3: Image.ROTATE_180,
    4: Image.FLIP_TOP_BOTTOM,
    5: Image.TRANSPOSE,
    6: Image.ROTATE_270,
    7: Image.TRANSVERSE,
    8: Image.ROTATE_90,
}


def preprocess(path):
    """One image as float32 H×W×3 (RGB), fitted and scaled as preprocessing.json says."""
    s = PRE["inputSize"]
    img = jpeg_shrink_on_load(Image.open(path), s)
    orientation = img.getexif().get(0x0112, 1)
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode not in ("RGB", "RGBA"):
        img = img.convert("RGBA" if "A" in img.mode else "RGB")
    img = to_srgb(img)
    # libvips resizes the stored image and turns it upright afterwards (the square target is the same either
    # way); sizes are rounded as libvips rounds them.
    w, h = img.size
    shrink = shrink_of(w, h, s)
    rw = max(1, int(math.floor(w / shrink + 0.5)))
    rh = max(1, int(math.floor(h / shrink + 0.5)))
    img = resize(img, rw, rh, shrink).convert("RGB")  # alpha dropped, not composited (sharp's removeAlpha)
    if orientation in UPRIGHT:
        img = img.transpose(UPRIGHT[orientation])
    rw, rh = img.size
    if PRE["fit"] == "cover":
        left, top = (rw - s + 1) // 2, (rh - s + 1) // 2  # sharp's centre crop
        img = img.crop((left, top, left + s, top + s))
    else:
        canvas = Image.new("RGB", (s, s), (0, 0, 0))
        canvas.paste(img, ((s - rw) // 2, (s - rh) // 2))  # sharp's centre embed, black
        img = canvas
    x = np.asarray(img, dtype=np.float32)
    return x / 255.0 if PRE["scaling"] == "unit" else x / 127.5 - 1.0


def batch(paths, layout):
    x = np.stack([preprocess(p) for p in paths]).astype(np.float32)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2)) if layout == "NCHW" else x


def graph_layout(session):
    """NCHW or NHWC as the graph's input shape states (channels = 3), else as preprocessing.json says."""
    shape = session.get_inputs()[0].shape
    if len(shape) == 4 and shape[1] == 3 and shape[3] != 3:
        return "NCHW"
    if len(shape) == 4 and shape[3] == 3:
        return "NHWC"
    return PRE["onnx"]["input"]["layout"]


def main(argv):
    if argv[:1] == ["--dump-input"] and len(argv) >= 3:
        np.save(argv[1], batch(argv[2:], PRE["onnx"]["input"]["layout"]))
        return 0
    if not argv or argv[0].startswith("-"):
        print("usage: python predict.py <image> [image ...]   (or --dump-input out.npy <image> ...)", file=sys.stderr)
        return 2
    import onnxruntime as ort

    session = ort.InferenceSession(os.path.join(HERE, PRE["onnx"]["file"]), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    layout = graph_layout(session)
    for path in argv:
        x = batch([path], layout)
        if PRE.get("tta") == "flip":  # test-time augmentation: the mean with the mirror image
            x = np.concatenate([x, x[:, :, :, ::-1] if layout == "NCHW" else x[:, :, ::-1, :]]).copy()
        probs = session.run(None, {name: x})[0].mean(axis=0)
        best = int(np.argmax(probs))
        print(json.dumps({
            "file": path,
            "label": LABELS[best],
            "confidence": float(probs[best]),
            "probabilities": {label: float(p) for label, p in zip(LABELS, probs)},
        }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
