#!/usr/bin/env bash
# `pnpm test`: the set-up (scripts/test-setup.sh), then lint, typecheck, every package's tests (one
# task at a time), the consumer test (the packed tarballs used from fresh npm projects) and one
# summary line of all of them; then the API reference (typedoc).
set -uo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
bash scripts/test-setup.sh || exit 1

# Chromium's SwiftShader: the software Vulkan GPU onnxruntime-node's WebGPU EP runs on without a GPU.
swiftshader=/usr/lib/chromium/vk_swiftshader_icd.json
if [ -z "${VK_ICD_FILENAMES:-}" ] && [ -e "$swiftshader" ] && ! ls /usr/share/vulkan/icd.d/*nvidia* >/dev/null 2>&1; then
  export VK_ICD_FILENAMES=$swiftshader
fi

status=0
pnpm exec biome check . || status=1
pnpm exec turbo run typecheck test --concurrency=1 || status=1
bash scripts/consumer-test/run.sh || status=1
# The API reference (typedoc into docs/api): every public symbol documented, or this fails.
pnpm run docs || status=1
node scripts/test-summary.mjs || status=1
exit $status
