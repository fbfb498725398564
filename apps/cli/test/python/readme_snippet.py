"""Runs the Python block of packages/onnx/README.md, exactly as written, in each folder given.

Each folder holds what the snippet reads (li.onnx, li.json, xs.npy and, when the model takes them,
weights.npy). The snippet's results (voltages, v_final, i_final) are saved there with numpy.save
as out_voltages.npy, out_v_final.npy, out_i_final.npy for the test to compare with Norse's golden
cases. Usage: python readme_snippet.py README.md DIR [DIR ...]
"""
import os
import re
import sys

import numpy as np


def snippet(readme_path):
    text = open(readme_path, encoding="utf-8").read()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    if len(blocks) != 1:
        raise SystemExit(f"{readme_path}: expected one ```python block, found {len(blocks)}")
    return blocks[0]


def main():
    readme, *dirs = sys.argv[1:]
    code = compile(snippet(readme), readme, "exec")
    for d in dirs:
        os.chdir(d)
        scope = {"__name__": "__readme__"}
        exec(code, scope)
        for name in ("voltages", "v_final", "i_final"):
            value = scope[name]
            if not isinstance(value, np.ndarray) or value.dtype != np.float32:
                raise SystemExit(f"{d}: the snippet's {name} is not a float32 array")
            np.save(f"out_{name}.npy", value)
        print(d, "ok")


if __name__ == "__main__":
    main()
