#!/usr/bin/env bash
# `pnpm test:setup`: everything the tests need beyond `pnpm install`, so `pnpm test` passes on a
# fresh machine. Idempotent and quick when all is there.
#  - Debian's chromium (the browser suites; its SwiftShader is the GPU when there is none) and
#    libvulkan1 (onnxruntime-node's WebGPU EP): installed with apt-get when missing (as root), else
#    a clear error naming the command to run.
#  - The pinned Python tools the interop tests run against, in .venv (scripts/python/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

chromium_bin=${LEAKY_CHROMIUM:-/usr/bin/chromium}
vulkan=/usr/lib/x86_64-linux-gnu/libvulkan.so.1
[ "$(uname -m)" = aarch64 ] && vulkan=/usr/lib/aarch64-linux-gnu/libvulkan.so.1
missing=()
[ -x "$chromium_bin" ] || missing+=(chromium)
[ -e "$vulkan" ] || missing+=(libvulkan1)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test:setup: installing ${missing[*]} (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libvulkan1 >/dev/null
    if ! [ -x "$chromium_bin" ] || ! [ -e "$vulkan" ]; then
      echo "test:setup: apt-get ran, but $chromium_bin or $vulkan is still missing" >&2
      exit 1
    fi
  else
    echo "test:setup: the browser and WebGPU tests need Debian's ${missing[*]}:" >&2
    echo "  sudo apt-get install -y chromium libvulkan1   (or set LEAKY_CHROMIUM to a Chromium)" >&2
    exit 1
  fi
fi

bash scripts/python/setup.sh
echo "test:setup: chromium, libvulkan1 and .venv ready"
