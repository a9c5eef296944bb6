"""A small reference GRPO loop that trains on `rlvr` rewards, driven one short step at a time.

    import rlvr.grpo
    report = rlvr.grpo.preflight_reward("gsm8k", examples)        # before any training
    session = rlvr.grpo.init_grpo(base_model="path/or/id", reward="gsm8k", group_size=8,
                                  learning_rate=1e-6, max_tokens=256, temperature=1.0, beta=0.0)
    metrics = session.train_grpo_step(pool, subset_size=16)      # one step; read the metrics
    rlvr.grpo.diagnose(session.trace)                            # what to do next
    session.sample(held_out_prompts, n=4); session.save("step50"); session.finish()

Needs the `grpo` extra (torch, transformers, tokenizers, matplotlib, pyyaml); vLLM is used for
rollouts when it is installed and a GPU is present.
"""

from rlvr.grpo.config import SessionConfig
from rlvr.grpo.diagnose import Advice, diagnose
from rlvr.grpo.reward import PreflightReport, preflight_reward
from rlvr.grpo.session import Session, init_grpo, init_sft, load

__all__ = [
    "Advice",
    "PreflightReport",
    "Session",
    "SessionConfig",
    "diagnose",
    "init_grpo",
    "init_sft",
    "load",
    "preflight_reward",
]
