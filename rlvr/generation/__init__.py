"""The one text-generation layer of rlvr, used by rlvr-eval and the GRPO loop alike.

`Sampler` settings and `Request`s go in, `Completion`s come out, through any `Engine`: the HF
transformers engine (`hf`), vLLM (`vllm`) or an OpenAI-compatible server (`openai`). See
docs/generation.md.
"""

from rlvr.generation.base import FINISH_REASONS, Completion, Engine, Request, Sampler, make_engine

__all__ = ["FINISH_REASONS", "Completion", "Engine", "Request", "Sampler", "make_engine"]
