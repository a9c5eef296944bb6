#!/usr/bin/env bash
# Build the wheel, install it into a fresh virtualenv under /tmp and smoke-test it from a folder
# outside the checkout, as a user who ran `pip install rlvr` would use it (CI runs this).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
work="$(mktemp -d /tmp/rlvr-wheel.XXXXXX)"
trap 'rm -rf "$work"' EXIT
# The checkout's .venv has setuptools (dev extra), so the build needs no build isolation.
.venv/bin/python -m pip wheel -q --no-deps --no-build-isolation -w "$work/dist" .
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --upgrade pip
"$work/venv/bin/pip" install -q "$work"/dist/rlvr-*.whl
mkdir "$work/outside"
cd "$work/outside"
"$work/venv/bin/python" "$root/scripts/smoke_wheel.py" "$root/examples/gsm8k_completions.jsonl" "$work/outside/scored"
"$work/venv/bin/rlvr-eval" --help >/dev/null
"$work/venv/bin/rlvr" doctor >/dev/null
"$work/venv/bin/rlvr" serve --help >/dev/null
