"""The settings of a GRPO or SFT session, checked once when the session starts."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

ADVANTAGES = ("grpo", "dr_grpo")
SCHEDULERS = ("constant", "cosine", "linear")
BACKENDS = ("auto", "hf", "vllm")


@dataclass(frozen=True)
class SessionConfig:
    """Everything a session needs besides the reward callable. Field by field:

    base_model: a local directory or hub id that transformers can load.
    reward: a task name of `rlvr` (e.g. "gsm8k"), with `reward_options` for its verifier, or
        None when the reward is a callable handed to `init_grpo` (or for SFT sessions).
    group_size: samples per prompt (G). max_tokens: generation budget per sample.
    temperature: sampling temperature; the policy's logprobs are taken at this same temperature
        in rollouts and training, because a mismatch inflates the ratio and the KL.
    beta: coefficient of the k3 KL to the frozen reference model; 0 loads no reference model.
    advantage: "grpo" ((r - mean) / (std + eps), per-sequence token mean) or "dr_grpo"
        (r - mean, token sums divided by the constant max_tokens).
    clip_eps / clip_eps_high: the PPO ratio clip range [1 - clip_eps, 1 + clip_eps_high].
    learning_rate, adam_eps (1e-5: a tiny eps let rare-token updates explode the KL),
    adam_betas, weight_decay, max_grad_norm (clip; None disables), micro_batch_size (samples
    per forward pass; gradients accumulate to one optimizer step per iteration).
    scheduler: "constant" (default), or "cosine"/"linear" which need `scheduler_total_steps`
        (optimizer steps), because a step-wise caller would otherwise decay within every call.
    warmup_steps: linear warmup over the first optimizer steps of a fresh session only.
    batch_size: SFT samples per optimizer step.
    seed: the run seed; every request's sampling seed derives from it (rlvr.seeding).
    rollout_backend: "auto" (vLLM when importable and on GPU, else HF generate), "hf", "vllm".
    chat_template: apply the tokenizer's chat template to prompts (chat models only).
    lora_rank: train LoRA adapters of this rank (needs `peft`); None trains all weights.
    device: "auto", "cpu", "cuda", ... dtype: "auto" (bfloat16 on GPU, float32 on CPU) or a torch dtype name.
    output_dir: the session directory; None makes runs/<kind>-<time>.
    vllm_gpu_memory_utilization: the share of GPU memory the vLLM engine may take.
    vllm_options: further engine arguments for `vllm.LLM` (e.g. {"enforce_eager": True}).
    """

    base_model: str
    reward: str | None = None
    reward_options: dict[str, Any] = field(default_factory=dict)
    group_size: int = 8
    max_tokens: int = 256
    temperature: float = 1.0
    beta: float = 0.0
    advantage: str = "grpo"
    clip_eps: float = 0.2
    clip_eps_high: float | None = None
    learning_rate: float = 1e-6
    adam_eps: float = 1e-5
    adam_betas: tuple[float, float] = (0.9, 0.999)
    weight_decay: float = 0.0
    max_grad_norm: float | None = 1.0
    micro_batch_size: int = 16
    scheduler: str = "constant"
    scheduler_total_steps: int | None = None
    warmup_steps: int = 0
    batch_size: int = 32
    seed: int = 0
    rollout_backend: str = "auto"
    chat_template: bool = False
    lora_rank: int | None = None
    device: str = "auto"
    dtype: str = "auto"
    output_dir: str | None = None
    vllm_gpu_memory_utilization: float = 0.3
    vllm_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "adam_betas", tuple(self.adam_betas))
        object.__setattr__(self, "reward_options", dict(self.reward_options or {}))
        object.__setattr__(self, "vllm_options", dict(self.vllm_options or {}))
        _require(
            isinstance(self.base_model, str) and bool(self.base_model), "base_model must be a model directory or hub id"
        )
        _require(self.group_size >= 1, f"group_size must be >= 1, got {self.group_size}")
        _require(self.max_tokens >= 1, f"max_tokens must be >= 1, got {self.max_tokens}")
        _require(self.temperature >= 0, f"temperature must be >= 0, got {self.temperature}")
        _require(self.beta >= 0, f"beta must be >= 0, got {self.beta}")
        _require(self.advantage in ADVANTAGES, f"advantage must be one of {ADVANTAGES}, got {self.advantage!r}")
        _require(self.clip_eps > 0, f"clip_eps must be > 0, got {self.clip_eps}")
        _require(self.learning_rate >= 0, f"learning_rate must be >= 0, got {self.learning_rate}")
        _require(self.adam_eps > 0, f"adam_eps must be > 0, got {self.adam_eps}")
        _require(self.micro_batch_size >= 1 and self.batch_size >= 1, "micro_batch_size and batch_size must be >= 1")
        _require(self.scheduler in SCHEDULERS, f"scheduler must be one of {SCHEDULERS}, got {self.scheduler!r}")
        _require(self.warmup_steps >= 0, f"warmup_steps must be >= 0, got {self.warmup_steps}")
        if self.scheduler != "constant" and not self.scheduler_total_steps:
            raise ValueError(
                f"scheduler={self.scheduler!r} needs scheduler_total_steps (the total optimizer steps): "
                "without it each step-wise call would decay the learning rate over that call alone"
            )
        if self.scheduler_total_steps is not None:
            _require(self.scheduler_total_steps > self.warmup_steps, "scheduler_total_steps must exceed warmup_steps")
        _require(
            self.rollout_backend in BACKENDS, f"rollout_backend must be one of {BACKENDS}, got {self.rollout_backend!r}"
        )
        _require(self.lora_rank is None or self.lora_rank >= 1, f"lora_rank must be None or >= 1, got {self.lora_rank}")

    @property
    def clip_high(self) -> float:
        return self.clip_eps if self.clip_eps_high is None else self.clip_eps_high

    def to_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["adam_betas"] = list(self.adam_betas)
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> SessionConfig:
        """Build from a mapping (a YAML file's section); unknown keys are an error, not ignored."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown session setting(s) {unknown}; valid: {sorted(known)}")
        return cls(**values)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)
