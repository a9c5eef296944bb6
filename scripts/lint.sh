#!/usr/bin/env bash
# Lint and type checks of the test command (run after scripts/setup.sh): ruff and mypy.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check rlvr tests benchmarks scripts examples
.venv/bin/ruff format --check rlvr tests benchmarks scripts examples
.venv/bin/python -m mypy rlvr
