#!/usr/bin/env python3
"""Classify images with this exported Studio model (model.onnx) in Python.

    pip install onnxruntime pillow numpy
    python predict.py photo.jpg [more.jpg ...]

Prints one JSON line per image: {"file", "label", "confidence", "probabilities", "runtime"}.

The model runs on onnxruntime where Python can import it. Without it, the ONNX package's reference
evaluator runs it (`pip install onnx`, version 1.13 or later: onnx.reference), else this script's own
numpy evaluator of the operators Studio writes (it needs the onnx package, any version, to read the
file; Debian/Ubuntu: apt install python3-onnx python3-pil python3-numpy). "runtime" says which one
ran; STUDIO_PREDICT_RUNTIME=onnxruntime|reference|numpy picks one. onnxruntime is the fast one.

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


def graph_layout(shape):
    """NCHW or NHWC as the graph's input shape states (channels = 3), else as preprocessing.json says."""
    if len(shape) == 4 and shape[1] == 3 and shape[3] != 3:
        return "NCHW"
    if len(shape) == 4 and shape[3] == 3:
        return "NHWC"
    return PRE["onnx"]["input"]["layout"]


class RuntimeUnavailable(Exception):
    """No way to run model.onnx here."""


class Model:
    """model.onnx on one of the runtimes below: `run(x)` answers the probabilities of a batch."""

    def __init__(self, name, input_shape, run):
        self.name, self.input_shape, self.run = name, input_shape, run


def with_onnxruntime(file):
    import onnxruntime as ort

    session = ort.InferenceSession(file, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return Model(f"onnxruntime {ort.__version__}", session.get_inputs()[0].shape,
                 lambda x: session.run(None, {name: x})[0])


def graph_input_shape(graph):
    dims = graph.input[0].type.tensor_type.shape.dim
    return [d.dim_value if d.HasField("dim_value") else d.dim_param for d in dims]


def with_reference(file):
    import onnx
    from onnx.reference import ReferenceEvaluator  # onnx 1.13 and later

    model = onnx.load(file)
    ref = ReferenceEvaluator(model)
    name = model.graph.input[0].name
    return Model(f"onnx {onnx.__version__} ReferenceEvaluator", graph_input_shape(model.graph),
                 lambda x: ref.run(None, {name: x})[0])


def with_numpy(file):
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(file)
    graph = model.graph
    consts = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    nodes = [(n.op_type, list(n.input), list(n.output),
              {a.name: helper.get_attribute_value(a) for a in n.attribute}) for n in graph.node]
    unknown = sorted({op for op, *_ in nodes if op not in NUMPY_OPS})
    if unknown:
        raise RuntimeUnavailable(f"the numpy evaluator has no {', '.join(unknown)}; pip install onnxruntime")
    name, out = graph.input[0].name, graph.output[0].name

    def run(x):
        values = dict(consts)
        values[name] = x
        for op, inputs, outputs, attrs in nodes:
            args = [values[i] if i else None for i in inputs]
            values[outputs[0]] = NUMPY_OPS[op](attrs, *args)
        return values[out]

    return Model(f"numpy {np.__version__} (predict.py's own ONNX evaluator, onnx {onnx.__version__})",
                 graph_input_shape(graph), run)


RUNTIMES = {"onnxruntime": with_onnxruntime, "reference": with_reference, "numpy": with_numpy}


def open_model(file, only=None):
    """onnxruntime where it imports, else onnx's ReferenceEvaluator, else the numpy evaluator below.
    STUDIO_PREDICT_RUNTIME=onnxruntime|reference|numpy picks one."""
    names = [only] if only else list(RUNTIMES)
    if only and only not in RUNTIMES:
        raise RuntimeUnavailable(f"STUDIO_PREDICT_RUNTIME is {only!r}; use one of {', '.join(RUNTIMES)}")
    missing = []
    for n in names:
        try:
            return RUNTIMES[n](file)
        except ImportError as err:
            missing.append(f"{n}: {err}")
    raise RuntimeUnavailable("cannot run model.onnx here (" + "; ".join(missing) +
                             "); pip install onnxruntime (or onnx) pillow numpy")


# The numpy evaluator: exactly the operators Studio's ONNX writer emits (main/engine/export/onnx/),
# with ONNX's semantics for the attributes it sets. float32 throughout.

def _windows(x, kernel, strides, dilations):
    """Sliding windows of an N×C×H×W array as N×C×OH×OW×KH×KW (a view, no copy)."""
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel, strides, dilations
    oh, ow = (h - dh * (kh - 1) - 1) // sh + 1, (w - dw * (kw - 1) - 1) // sw + 1
    s = x.strides
    return np.lib.stride_tricks.as_strided(
        x, (n, c, oh, ow, kh, kw), (s[0], s[1], s[2] * sh, s[3] * sw, s[2] * dh, s[3] * dw), writeable=False)


def _pad2d(x, pads, value=0.0):
    t, l, b, r = pads if pads else (0, 0, 0, 0)
    return np.pad(x, ((0, 0), (0, 0), (t, b), (l, r)), constant_values=value)


def _conv(a, x, w, b=None):
    group = a.get("group", 1)
    kernel = w.shape[2:]
    win = _windows(_pad2d(x, a.get("pads")), kernel, a.get("strides", (1, 1)), a.get("dilations", (1, 1)))
    n, c, oh, ow = win.shape[:4]
    m, cg = w.shape[:2]
    win = win.reshape(n, group, cg, oh, ow, *kernel)
    wg = w.reshape(group, m // group, cg, *kernel)
    y = np.einsum("ngchwij,gmcij->ngmhw", win, wg, optimize=True).reshape(n, m, oh, ow)
    return (y if b is None else y + b.reshape(1, -1, 1, 1)).astype(np.float32)


def _max_pool(a, x):
    win = _windows(_pad2d(x, a.get("pads"), -np.inf), a["kernel_shape"], a.get("strides", (1, 1)), (1, 1))
    return win.max(axis=(4, 5))


def _average_pool(a, x):
    # count_include_pad = 0 (ONNX's default): padding is left out of each mean.
    k, s = a["kernel_shape"], a.get("strides", (1, 1))
    total = _windows(_pad2d(x, a.get("pads")), k, s, (1, 1)).sum(axis=(4, 5))
    ones = _pad2d(np.ones((1, 1) + x.shape[2:], np.float32), a.get("pads"))
    return (total / _windows(ones, k, s, (1, 1)).sum(axis=(4, 5))).astype(np.float32)


def _softmax(a, x):
    e = np.exp(x - x.max(axis=a.get("axis", -1), keepdims=True))
    return e / e.sum(axis=a.get("axis", -1), keepdims=True)


def _gemm(a, x, w, c=None):
    x = x.T if a.get("transA", 0) else x
    w = w.T if a.get("transB", 0) else w
    y = a.get("alpha", 1.0) * (x @ w)
    return y if c is None else y + a.get("beta", 1.0) * c


def _batch_norm(a, x, scale, bias, mean, var):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    k = scale / np.sqrt(var + a.get("epsilon", 1e-5))
    return (x - mean.reshape(shape)) * k.reshape(shape) + bias.reshape(shape)


def _reshape(a, x, shape):
    return x.reshape([x.shape[i] if d == 0 else int(d) for i, d in enumerate(shape)])


def _pad(a, x, pads, value=None):
    half = len(pads) // 2
    return np.pad(x, list(zip(pads[:half], pads[half:])), constant_values=0 if value is None else value)


def _clip(a, x, lo=None, hi=None):
    return np.clip(x, -np.inf if lo is None else lo, np.inf if hi is None else hi)


NUMPY_OPS = {
    "Identity": lambda a, x: x,
    "Transpose": lambda a, x: np.ascontiguousarray(x.transpose(a["perm"])),
    "Conv": _conv,
    "MaxPool": _max_pool,
    "AveragePool": _average_pool,
    "GlobalAveragePool": lambda a, x: x.mean(axis=(2, 3), keepdims=True),
    "GlobalMaxPool": lambda a, x: x.max(axis=(2, 3), keepdims=True),
    "BatchNormalization": _batch_norm,
    "Relu": lambda a, x: np.maximum(x, 0),
    "Clip": _clip,
    "Sigmoid": lambda a, x: 1 / (1 + np.exp(-x)),
    "Tanh": lambda a, x: np.tanh(x),
    "Softmax": _softmax,
    "Flatten": lambda a, x: x.reshape(int(np.prod(x.shape[:a.get("axis", 1)])), -1),
    "Reshape": _reshape,
    "Pad": _pad,
    "Gemm": _gemm,
    "MatMul": lambda a, x, w: x @ w,
    "Add": lambda a, x, y: x + y,
}


def main(argv):
    if argv[:1] == ["--dump-input"] and len(argv) >= 3:
        np.save(argv[1], batch(argv[2:], PRE["onnx"]["input"]["layout"]))
        return 0
    if not argv or argv[0].startswith("-"):
        print("usage: python predict.py <image> [image ...]   (or --dump-input out.npy <image> ...)", file=sys.stderr)
        return 2
    try:
        model = open_model(os.path.join(HERE, PRE["onnx"]["file"]), os.environ.get("STUDIO_PREDICT_RUNTIME"))
    except RuntimeUnavailable as err:
        print(f"predict.py: {err}", file=sys.stderr)
        return 3
    layout = graph_layout(model.input_shape)
    for path in argv:
        x = batch([path], layout)
        if PRE.get("tta") == "flip":  # test-time augmentation: the mean with the mirror image
            x = np.concatenate([x, x[:, :, :, ::-1] if layout == "NCHW" else x[:, :, ::-1, :]]).copy()
        probs = model.run(x).mean(axis=0)
        best = int(np.argmax(probs))
        print(json.dumps({
            "file": path,
            "label": LABELS[best],
            "confidence": float(probs[best]),
            "probabilities": {label: float(p) for label, p in zip(LABELS, probs)},
            "runtime": model.name,
        }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
