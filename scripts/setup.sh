#!/usr/bin/env bash
# Set up .venv with rlvr and its test extras on a fresh machine.
# PyTorch comes first as its CPU build, as the README's install says, so the extras do not pull in
# the multi-GB CUDA build (where that index cannot be reached, pip falls back to its other sources).
set -euo pipefail
cd "$(dirname "$0")/.."
# The code sandbox isolates programs with bubblewrap (Debian package); install it where missing.
if ! command -v bwrap >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -q && $SUDO apt-get install -y -q bubblewrap
fi
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q torch --index-url https://download.pytorch.org/whl/cpu
.venv/bin/pip install -q -e ".[dev]"
