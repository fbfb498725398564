#!/usr/bin/env bash
# The consumer test (see run.mjs): builds what it packs, then installs and uses the tarballs.
set -euo pipefail
cd "$(dirname "$0")/../.."
pnpm exec turbo run build --filter=./packages/* --filter=./apps/cli --output-logs=errors-only
rm -f scripts/consumer-test/.result.json
node scripts/consumer-test/run.mjs
