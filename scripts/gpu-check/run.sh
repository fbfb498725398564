#!/usr/bin/env bash
# The GPU check, on a bare Linux x86-64 machine with an NVIDIA driver (or anywhere, with --quick and
# SwiftShader). Unpacks next to itself into .unpacked/, then writes JSON into OUT (default ./out):
#   verify-<golden>.json  leaky verify on the golden files, node-webgpu and node-cpu
#   bench.json            leaky bench ff-1e5, ff-1e6, weighted-1024, step-1e3 on node-webgpu
#   gpu-bench.json        webgpu-wgsl: golden replay; webgpu-wgsl and node-webgpu on the same cases
#                         plus T=100 N=1e7, each beside the HBM roofline and Norse's H200 figures
#   env.txt, *.log        what the machine is, and every command's output
# usage: bash run.sh [--quick] [OUT]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
quick=
if [ "${1:-}" = "--quick" ]; then quick=--quick; shift; fi
out=$(mkdir -p "${1:-$here/out}" && cd "${1:-$here/out}" && pwd)
work="$here/.unpacked"

if [ ! -x "$work/node" ]; then
  mkdir -p "$work"
  gzip -dc "$here/node.gz" > "$work/node.part" && chmod +x "$work/node.part" && mv "$work/node.part" "$work/node"
  "$work/node" "$here/unpack.mjs" "$here/payload.tar.br" "$work" || { echo "unpack failed" >&2; exit 1; }
fi
node="$work/node"
app="$work/app"

# NVIDIA's Vulkan driver is not where the loader looks by default on these machines.
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
nvidia_egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
if [ -z "${VK_ICD_FILENAMES:-}" ] && [ -e "$nvidia_icd" ]; then export VK_DRIVER_FILES="$nvidia_icd"; fi
if [ -e "$nvidia_egl" ]; then export __EGL_VENDOR_LIBRARY_FILENAMES="$nvidia_egl"; fi
# Debian's Vulkan loader and C++ runtime from the pack, for a machine that has neither.
export LD_LIBRARY_PATH="$work/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# leaky bench writes its calibration here, not into the user's cache.
export LEAKY_CACHE_DIR="$out/cache"

{
  echo "date: $(date -u +%FT%TZ)"; echo "host: $(hostname)"; uname -a
  echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-} VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-}"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 || echo "no nvidia-smi"
  "$node" --version
} > "$out/env.txt" 2>&1
cat "$out/env.txt"

status=0
leaky() { "$node" "$app/leaky.mjs" "$@"; }
leaky backends > "$out/backends.txt" 2>&1; cat "$out/backends.txt"

for golden in "$app"/golden/*.json; do
  name=$(basename "$golden" .json)
  leaky verify --golden "$golden" --backend node-webgpu,node-cpu --json > "$out/verify-$name.json" 2> "$out/verify-$name.log" || status=1
done

if [ -n "$quick" ]; then workloads=ff-1e3,step-1e3; else workloads=ff-1e5,ff-1e6,weighted-1024,step-1e3; fi
leaky bench $quick --workload "$workloads" --backend node-webgpu --json --out "$out/bench-files" > "$out/bench.json" 2> "$out/bench.log" || status=1
tail -n 5 "$out/bench.log"

"$node" "$app/gpu-bench.mjs" $quick --out "$out" $(for g in "$app"/golden/*.json; do echo --golden "$g"; done) 2>&1 | tee "$out/gpu-bench.log"
[ "${PIPESTATUS[0]}" = 0 ] || status=1

echo "wrote $out (exit $status)"
exit $status
