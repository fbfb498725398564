#!/usr/bin/env bash
# Makes .venv-norse at the repo root: Debian's python3 with its torch 1.13 (python3-torch) visible
# through --system-site-packages, BLAS switched to OpenBLAS (Debian's reference BLAS is 20–65× slower
# on the weighted layers), and Norse from PyPI (requirements.txt, --no-deps). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.venv-norse
req=benchmarks/norse/requirements.txt
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null || [ ! -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-torch libopenblas0-pthread python3-venv >/dev/null
fi
for lib in libblas.so.3 liblapack.so.3; do
  update-alternatives --set "$lib-x86_64-linux-gnu" "/usr/lib/x86_64-linux-gnu/openblas-pthread/$lib" >/dev/null
done
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$req" "$venv/.requirements"; then
  /usr/bin/python3 -m venv --system-site-packages "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check --no-deps --prefer-binary -r "$req"
  cp "$req" "$venv/.requirements"
fi
"$venv/bin/python" -c 'import torch, time
a = torch.rand(1024, 1024); a @ a; t = time.perf_counter()
for _ in range(10): a @ a
print(f"torch {torch.__version__}: 1024² matmul {10 * 2 * 1024**3 / (time.perf_counter() - t) / 1e9:.1f} GFLOP/s ({torch.get_num_threads()} threads)")'
