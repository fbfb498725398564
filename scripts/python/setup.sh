#!/usr/bin/env bash
# Creates .venv at the repo root with the pinned Python tools the interop tests run against
# (scripts/python/requirements.txt). Idempotent: reinstalls only when the requirements changed.
set -euo pipefail
cd "$(dirname "$0")/../.."
req=scripts/python/requirements.txt
stamp=.venv/.requirements
if [ -x .venv/bin/python ] && cmp -s "$req" "$stamp"; then exit 0; fi
if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
fi
python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r "$req"
cp "$req" "$stamp"
