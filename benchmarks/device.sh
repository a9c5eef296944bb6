#!/usr/bin/env bash
# On a machine with a GPU: plain generate vs rlvr-eval hf vs GRPO rollouts (and vLLM where it
# imports) on a random-weight Qwen2.5-0.5B-architecture model in bfloat16; writes OUT_DIR/device.json.
#   bash benchmarks/device.sh OUT_DIR        (from the repository root, ../shared/data beside it)
# Needs torch with CUDA, transformers and tokenizers (pip install ".[hf,grpo]"); vLLM is optional
# (pip install ".[vllm]"): without it the JSON says why and gives the other paths.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:?usage: bash benchmarks/device.sh OUT_DIR}"
python -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else "no CUDA device: this script measures a GPU")'
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
PYTHONPATH=".:tests:benchmarks${PYTHONPATH:+:$PYTHONPATH}" python benchmarks/bench_device.py --out "$out/device.json"
