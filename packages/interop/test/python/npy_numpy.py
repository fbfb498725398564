"""NumPy's own .npy files for leaky to read, and NumPy's verdict on the files leaky writes.

  python npy_numpy.py save DIR   numpy.save (and format versions 2.0, 3.0) of every layout leaky
                                 accepts -> DIR/NAME.npy, plus DIR/NAME.f32 (the values as raw
                                 little-endian float32, what leaky must read) and DIR/manifest.json
  python npy_numpy.py check DIR  for each DIR/NAME.leaky.npy leaky wrote beside NAME.raw (raw
                                 float32) and NAME.shape.json: numpy.save of that array must give
                                 the very same bytes; prints one JSON line per file
"""
import io
import json
import os
import sys

import numpy as np


def layouts():
    rng = np.random.default_rng(13)
    f32 = lambda *shape: rng.standard_normal(shape).astype(np.float32)
    yield "f32_3x4", f32(3, 4), None
    yield "f32_0d", np.float32(2.5) * np.ones((), np.float32), None
    yield "f32_1d", f32(7), None
    yield "f32_empty_0", np.zeros((0,), np.float32), None
    yield "f32_empty_2x0x3", np.zeros((2, 0, 3), np.float32), None
    yield "f32_T_batch_N", f32(5, 2, 3, 4), None
    yield "f32_special", np.array([np.nan, np.inf, -np.inf, -0.0, 1e-45, 3.4028235e38], np.float32), None
    yield "f64_2x3", rng.standard_normal((2, 3)), None
    yield "f64_special", np.array([np.nan, np.inf, -np.inf, 1e300, 1e-300, 0.1]), None
    yield "f32_v2", f32(4, 3), (2, 0)
    yield "f32_v3", f32(2, 2), (3, 0)
    yield "f64_v2", rng.standard_normal((3,)), (2, 0)
    # Explicit little-endian descr ('<f4'), as numpy writes on every machine leaky runs on.
    yield "f32_le_explicit", f32(2, 5).astype("<f4"), None
    # A long first axis: the header's padding grows with the digits of shape[0].
    yield "f32_long", f32(123457, 1), None


def save(out):
    os.makedirs(out, exist_ok=True)
    manifest = []
    for name, array, version in layouts():
        path = os.path.join(out, f"{name}.npy")
        if version is None:
            np.save(path, array)
        else:
            with open(path, "wb") as f:
                np.lib.format.write_array(f, array, version=version)
        with np.errstate(over="ignore"):  # float64 beyond float32's range rounds to ±inf, as in leaky
            np.ascontiguousarray(array, dtype="<f4").tofile(os.path.join(out, f"{name}.f32"))
        manifest.append({"name": name, "shape": list(array.shape), "dtype": str(array.dtype), "version": version})
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f)


def check(folder):
    for entry in sorted(os.listdir(folder)):
        if not entry.endswith(".leaky.npy"):
            continue
        name = entry[: -len(".leaky.npy")]
        shape = json.load(open(os.path.join(folder, f"{name}.shape.json")))
        array = np.fromfile(os.path.join(folder, f"{name}.raw"), dtype="<f4").reshape(shape)
        buffer = io.BytesIO()
        np.save(buffer, array)
        leaky = open(os.path.join(folder, entry), "rb").read()
        loaded = np.load(os.path.join(folder, entry))
        print(json.dumps({
            "name": name,
            "identical": buffer.getvalue() == leaky,
            "numpyBytes": len(buffer.getvalue()),
            "leakyBytes": len(leaky),
            "loads": loaded.dtype == np.float32 and list(loaded.shape) == shape
            and loaded.tobytes() == array.tobytes(),
        }))


if __name__ == "__main__":
    {"save": save, "check": check}[sys.argv[1]](sys.argv[2])
