"""The step-wise session a researcher (or an agent) drives one short call at a time:
`init_grpo` / `init_sft` / `load` make one; `train_grpo_step`, `train_sft_step`, `sample`,
`save` and `finish` drive it. Every step returns its metrics and appends them to the session
directory's trace.jsonl (see rlvr.grpo.rundir for the directory's contents)."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from rlvr.generation import Sampler
from rlvr.generation.chat import encode_prompt
from rlvr.grpo.advantages import group_advantages
from rlvr.grpo.config import SessionConfig
from rlvr.grpo.data import PoolWalker, validate_records
from rlvr.grpo.optim import build_optimizer, learning_rate_at, optimizer_step
from rlvr.grpo.reward import Reward, failure_metrics
from rlvr.grpo.rollout import rollout_engine, rollout_requests
from rlvr.grpo.rundir import RunDirectory
from rlvr.grpo.update import frozen_logits, grpo_update, sft_update
from rlvr.seeding import request_seed

RewardSpec = str | Callable[[str, Any], float] | None


class Session:
    """A policy, its optimizer, an optional frozen reference, a reward and a session directory.
    Build it with init_grpo, init_sft or load, not directly."""

    def __init__(
        self,
        config: SessionConfig,
        reward: RewardSpec,
        kind: str,
        weights: str | None = None,
        state: dict[str, Any] | None = None,
    ) -> None:
        from transformers import AutoTokenizer

        self.config, self.kind = config, kind
        self.reward = Reward(reward, config.reward_options) if reward is not None else None
        self.device = torch.device(
            config.device if config.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
        )
        dtype = (
            getattr(torch, config.dtype)
            if config.dtype != "auto"
            else (torch.bfloat16 if self.device.type == "cuda" else torch.float32)
        )
        weights = weights or config.base_model
        self.tokenizer = AutoTokenizer.from_pretrained(weights)
        self.model = self._policy(weights, dtype)
        self.reference = self._reference(dtype)
        self.parameters = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = build_optimizer(self.parameters, config)
        state = state or {}
        self.step = state.get("step", 0)
        self.optimizer_steps = state.get("optimizer_steps", 0)
        self.sample_calls = state.get("sample_calls", 0)
        self.rng = random.Random(f"{config.seed}:{self.step}")
        self.pools = PoolWalker(self.rng)
        self.run = (
            RunDirectory(state["run_dir"]) if state.get("run_dir") else RunDirectory.fresh(config.output_dir, kind)
        )
        self.run.write_config({"kind": kind, **config.to_dict()})
        if self.reward is not None:
            self.run.write_reward_source(self.reward.source())
        self.rollouts = rollout_engine(config, self.model, self.tokenizer, weights)
        self.finished = False

    def _load_model(self, path: str, dtype: torch.dtype) -> Any:
        from transformers import AutoModelForCausalLM

        model: Any = AutoModelForCausalLM.from_pretrained(path, dtype=dtype)  # transformers' .to() is mistyped
        return model.to(self.device)

    def _policy(self, weights: str, dtype: torch.dtype) -> Any:
        """The trained model: `weights` whole, or with lora_rank the base model plus LoRA adapters
        (fresh ones, or the adapters a LoRA checkpoint at `weights` saved)."""
        if self.config.lora_rank is None:
            return self._load_model(weights, dtype)
        try:
            from peft import LoraConfig, PeftModel, get_peft_model
        except ImportError:
            raise ImportError("lora_rank needs the `peft` package: pip install peft") from None
        base = self._load_model(self.config.base_model, dtype)
        if (Path(weights) / "adapter_config.json").exists():
            return PeftModel.from_pretrained(base, weights, is_trainable=True)
        rank = self.config.lora_rank
        return get_peft_model(base, LoraConfig(r=rank, lora_alpha=2 * rank, target_modules="all-linear"))

    def _reference(self, dtype: torch.dtype) -> Callable | None:
        """The frozen reference when beta > 0 (none otherwise): the base model, which for LoRA is
        the policy with its adapters switched off (no second copy)."""
        if self.config.beta == 0:
            return None
        if self.config.lora_rank is not None:
            return frozen_logits(self.model, adapter_off=True)
        # Always the original base model, also when a session resumes from a checkpoint.
        reference = self._load_model(self.config.base_model, dtype).eval()
        reference.requires_grad_(False)
        return frozen_logits(reference)

    # ---- the step-wise API -------------------------------------------------------------

    def train_grpo_step(
        self, data: Sequence[dict[str, Any]], num_iterations: int = 1, subset_size: int | None = None
    ) -> dict[str, Any]:
        """Sample group_size completions for each prompt of the next subset of `data`
        ([{"prompt", "ground_truth", "id"?}]; all of it when subset_size is None), score them,
        and train `num_iterations` optimizer steps on the groups that carry a signal.
        Returns this step's metrics (also appended to trace.jsonl)."""
        self._check_open()
        if self.reward is None:
            raise ValueError(
                "this session has no reward: start GRPO with init_grpo(reward=...) or load(path, reward=...)"
            )
        validate_records(data, ("prompt", "ground_truth"), "train_grpo_step")
        if num_iterations < 1:
            raise ValueError(f"num_iterations must be >= 1, got {num_iterations}")
        started = time.perf_counter()
        chosen = self.pools.next_subset(data, subset_size)
        records = [data[i] for i in chosen]
        keys = [str(r.get("id", i)) for r, i in zip(records, chosen)]
        group = self.config.group_size
        prompt_ids = [self._encode_prompt(r["prompt"]) for r in records]
        request_ids = [f"step{self.step}/{key}" for key in keys]
        seeds = [request_seed(self.config.seed, request_id, j) for request_id in request_ids for j in range(group)]
        expanded = [ids for ids in prompt_ids for _ in range(group)]
        self.rollouts.sync(self.model)
        completions = self.rollouts.generate(
            rollout_requests(prompt_ids, request_ids, seeds, group),
            Sampler(temperature=self.config.temperature, max_tokens=self.config.max_tokens, logprobs=True),
        )
        rollout_done = time.perf_counter()
        truths = [r["ground_truth"] for r in records for _ in range(group)]
        scores = self.reward.score([c.text for c in completions], truths)
        reward_done = time.perf_counter()
        rewards = torch.tensor([s.score for s in scores]).view(len(records), group)
        failed = torch.tensor([s.failed for s in scores]).view(len(records), group)
        groups = group_advantages(rewards, self.config.advantage, failed=failed)
        flat_adv = groups.advantages.flatten()
        self._log_samples(keys, seeds, records, completions, scores, flat_adv.tolist())
        # A failed sample is never trained on, not even with advantage 0 (with beta > 0 that would
        # still pull it towards the reference).
        trainable = groups.signal.repeat_interleave(group) & ~failed.flatten()
        keep = trainable.nonzero().flatten().tolist()
        if keep:
            update = grpo_update(
                self.model,
                self.reference,
                self._optimizer_step,
                [expanded[i] for i in keep],
                [list(completions[i].token_ids) for i in keep],
                flat_adv[keep],
                self.config,
                num_iterations,
                rollout_logprobs=[completions[i].token_logprobs or () for i in keep],
            )
        else:
            update = {
                "loss": None,
                "kl_mean": None,
                "kl_max": None,
                "clip_frac": None,
                "entropy": None,
                "grad_norm": None,
                "lr": learning_rate_at(self.optimizer_steps, self.config),
                "trained_tokens": 0.0,
                "rollout_logprob_diff_mean": None,
                "rollout_logprob_diff_max": None,
            }
        elapsed = time.perf_counter() - started
        lengths = [len(c.token_ids) for c in completions]
        correct = [s.correct for s in scores if s.correct is not None]
        metrics = {
            "step": self.step,
            # Over judged samples: a failure's 0.0 is not a reward (0.0 when none was judged).
            "reward_mean": float(rewards[~failed].mean()) if bool((~failed).any()) else 0.0,
            "no_signal_rate": groups.no_signal_rate,
            "no_signal_all0": groups.no_signal_all0,
            "no_signal_all1": groups.no_signal_all1,
            "kl_mean": update["kl_mean"],
            "kl_max": update["kl_max"],
            "clip_frac": update["clip_frac"],
            "grad_norm": update["grad_norm"],
            "entropy": update["entropy"],
            "lr": update["lr"],
            "completion_len_mean": sum(lengths) / len(lengths),
            "truncation_rate": sum(c.truncated for c in completions) / len(completions),
            "tokens_per_s": sum(lengths) / elapsed,
            "step_time_s": elapsed,
            "kind": "grpo",
            "loss": update["loss"],
            "accuracy": sum(correct) / len(correct) if correct else None,
            **failure_metrics(scores),
            "groups": groups.groups,
            "no_signal_other": groups.no_signal_other,
            "no_signal_failed": groups.no_signal_failed,
            "samples": len(completions),
            "trained_samples": len(keep),
            "trained_tokens": update["trained_tokens"],
            "optimizer_steps": self.optimizer_steps,
            "rollout_time_s": rollout_done - started,
            "reward_time_s": reward_done - rollout_done,
            "train_time_s": elapsed - (reward_done - started),
            "rollout_logprob_diff_mean": update["rollout_logprob_diff_mean"],
            "rollout_logprob_diff_max": update["rollout_logprob_diff_max"],
        }
        return self._finish_step(metrics)

    def train_sft_step(self, data: Sequence[dict[str, Any]], num_epochs: int = 1) -> dict[str, Any]:
        """Supervised fine-tuning on [{"prompt", "response"}] (loss on the response and the end
        token only): `num_epochs` passes, each shuffled and cut into batch_size batches, one
        optimizer step per batch (the last, smaller batch included). Returns the step's metrics."""
        self._check_open()
        validate_records(data, ("prompt", "response"), "train_sft_step")
        if num_epochs < 1:
            raise ValueError(f"num_epochs must be >= 1, got {num_epochs}")
        started = time.perf_counter()
        eos = [self.tokenizer.eos_token_id] if self.tokenizer.eos_token_id is not None else []
        prompts = [self._encode_prompt(r["prompt"]) for r in data]
        responses = [self.tokenizer(r["response"], add_special_tokens=False).input_ids + eos for r in data]
        losses, norms, tokens, rate = [], [], 0.0, 0.0
        for _ in range(num_epochs):
            order = self.rng.sample(range(len(data)), len(data))
            for start in range(0, len(order), self.config.batch_size):
                batch = order[start : start + self.config.batch_size]
                out = sft_update(
                    self.model,
                    self._optimizer_step,
                    [prompts[i] for i in batch],
                    [responses[i] for i in batch],
                    self.config.micro_batch_size,
                )
                losses.append(out["loss"])
                norms.append(out["grad_norm"])
                tokens += out["trained_tokens"]
                rate = out["lr"]
        elapsed = time.perf_counter() - started
        return self._finish_step(
            {
                "step": self.step,
                "kind": "sft",
                "loss": sum(losses) / len(losses),
                "loss_last": losses[-1],
                "grad_norm": sum(norms) / len(norms),
                "lr": rate,
                "optimizer_steps": self.optimizer_steps,
                "trained_tokens": tokens,
                "tokens_per_s": tokens / elapsed,
                "step_time_s": elapsed,
            }
        )

    def sample(
        self, prompts: Sequence[str], n: int = 1, temperature: float | None = None, max_tokens: int | None = None
    ) -> list[list[str]]:
        """`n` completions for each prompt (spot checks on held-out prompts); temperature 0 is
        greedy. Seeds are per request, as in training; the samples go to sampling_debug.log."""
        self._check_open()
        if isinstance(prompts, str):
            raise ValueError("sample takes a list of prompts, not one string")
        call = self.sample_calls
        self.sample_calls += 1
        seeds = [request_seed(self.config.seed, f"sample{call}/{i}", j) for i in range(len(prompts)) for j in range(n)]
        sampler = Sampler(
            temperature=self.config.temperature if temperature is None else temperature,
            max_tokens=max_tokens or self.config.max_tokens,
        )
        self.rollouts.sync(self.model)
        completions = self.rollouts.generate(
            rollout_requests(
                [self._encode_prompt(p) for p in prompts], [f"sample{call}/{i}" for i in range(len(prompts))], seeds, n
            ),
            sampler,
        )
        self.run.sampling(
            [
                {
                    "step": self.step,
                    "call": f"sample{call}",
                    "prompt_id": i // n,
                    "sample_index": i % n,
                    "seed": seeds[i],
                    "completion": c.text,
                    "length": len(c.token_ids),
                    "truncated": c.truncated,
                }
                for i, c in enumerate(completions)
            ]
        )
        return [[c.text for c in completions[i * n : (i + 1) * n]] for i in range(len(prompts))]

    def save(self, name: str) -> Path:
        """Write the policy, tokenizer, optimizer state and counters to checkpoints/NAME."""
        self._check_open()
        path = self.run.path / "checkpoints" / name
        self.model.save_pretrained(path)
        self.tokenizer.save_pretrained(path)
        torch.save(self.optimizer.state_dict(), path / "optimizer.pt")
        state = {
            "kind": self.kind,
            "config": self.config.to_dict(),
            "step": self.step,
            "optimizer_steps": self.optimizer_steps,
            "sample_calls": self.sample_calls,
            "run_dir": str(self.run.path.resolve()),
            "reward_is_callable": self.reward is not None and self.reward.function is not None,
        }
        (path / "session.json").write_text(json.dumps(state, indent=1))
        self.run.training(f"saved checkpoint {path}")
        return path

    def finish(self) -> Path:
        """Close the session (frees the rollout engine); returns the session directory."""
        if not self.finished:
            self.run.training(f"finished after {self.step} steps, {self.optimizer_steps} optimizer steps")
            del self.rollouts  # frees the rollout engine
            self.finished = True
        return self.run.path

    @property
    def trace(self) -> list[dict[str, Any]]:
        """Every step record written to this session's trace.jsonl so far."""
        return self.run.read_trace()

    # ---- internals ---------------------------------------------------------------------

    def _encode_prompt(self, prompt: str) -> list[int]:
        return encode_prompt(self.tokenizer, prompt, self.config.chat_template)

    def _optimizer_step(self) -> tuple[float, float]:
        rate = learning_rate_at(self.optimizer_steps, self.config)
        norm = optimizer_step(self.optimizer, self.parameters, rate, self.config.max_grad_norm)
        self.optimizer_steps += 1
        return norm, rate

    def _finish_step(self, metrics: dict[str, Any]) -> dict[str, Any]:
        metrics["optimizer_steps"] = self.optimizer_steps
        self.run.trace(metrics)
        shown = {k: (round(v, 5) if isinstance(v, float) else v) for k, v in metrics.items()}
        self.run.training(" ".join(f"{k}={v}" for k, v in shown.items()))
        self.step += 1
        return metrics

    def _log_samples(
        self,
        keys: list[str],
        seeds: list[int],
        records: list[dict],
        completions: list,
        scores: list,
        advantages: list[float],
    ) -> None:
        group = self.config.group_size
        self.run.sampling(
            [
                {
                    "step": self.step,
                    "prompt_id": keys[i // group],
                    "sample_index": i % group,
                    "seed": seeds[i],
                    "prompt": records[i // group]["prompt"] if i % group == 0 else None,
                    "completion": c.text,
                    "length": len(c.token_ids),
                    "truncated": c.truncated,
                }
                for i, c in enumerate(completions)
            ]
        )
        self.run.rewards(
            [
                {
                    "step": self.step,
                    "prompt_id": keys[i // group],
                    "sample_index": i % group,
                    "score": s.score,
                    "correct": s.correct,
                    "reason": s.reason,
                    "failed": s.failed,
                    "advantage": advantages[i],
                    "extracted": s.extracted,
                    "detail": s.detail or None,
                }
                for i, s in enumerate(scores)
            ]
        )

    def _check_open(self) -> None:
        if self.finished:
            raise RuntimeError("this session is finished; load a checkpoint to continue")


def init_grpo(
    base_model: str,
    reward: str | Callable[[str, Any], float],
    group_size: int = 8,
    learning_rate: float = 1e-6,
    max_tokens: int = 256,
    temperature: float = 1.0,
    beta: float = 0.0,
    lora_rank: int | None = None,
    **settings: Any,
) -> Session:
    """Start a GRPO session on `base_model` with `reward`: an rlvr task name ("gsm8k", options in
    reward_options=...) or a callable compute_reward(completion, ground_truth) -> float.
    Other settings: see SessionConfig."""
    config = SessionConfig(
        base_model=base_model,
        reward=reward if isinstance(reward, str) else None,
        group_size=group_size,
        learning_rate=learning_rate,
        max_tokens=max_tokens,
        temperature=temperature,
        beta=beta,
        lora_rank=lora_rank,
        **settings,
    )
    return Session(config, reward, "grpo")


def init_sft(base_model: str, learning_rate: float = 1e-5, **settings: Any) -> Session:
    """Start a supervised session (train_sft_step) for warm starts; save() its checkpoint and
    start GRPO from it with init_grpo(base_model=checkpoint, ...)."""
    settings.setdefault("beta", 0.0)
    return Session(SessionConfig(base_model=base_model, learning_rate=learning_rate, **settings), None, "sft")


def load(path: str | Path, reward: str | Callable[[str, Any], float] | None = None, **overrides: Any) -> Session:
    """Continue a saved session: its weights, optimizer state, step counters (so warmup is not
    repeated) and session directory (unless output_dir is overridden). A session trained with a
    reward callable needs it again: load(path, reward=fn). Settings may be overridden."""
    path = Path(path)
    state = json.loads((path / "session.json").read_text())
    config = SessionConfig.from_dict({**state["config"], **overrides})
    if reward is None:
        if state["reward_is_callable"]:
            raise ValueError(f"{path} was trained with a reward callable: pass it again with load(path, reward=...)")
        reward = config.reward
    if "output_dir" in overrides:
        state["run_dir"] = None
    session = Session(config, reward, state["kind"], weights=str(path), state=state)
    session.optimizer.load_state_dict(torch.load(path / "optimizer.pt", map_location=session.device))
    return session
