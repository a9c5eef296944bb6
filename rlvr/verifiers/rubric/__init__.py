"""Task "rubric": LLM-judged rubric rewards. See `verifier` for options and verdicts, `data` for
the dataset loader, `judge_format` for the judge's prompt and answer, `client` for the HTTP side."""

from rlvr.verifiers.reward import reward_function
from rlvr.verifiers.rubric.data import RubricRecord, load_rubric_dataset, split_dataset
from rlvr.verifiers.rubric.verifier import RubricOptions, RubricVerifier, batch_stats

__all__ = [
    "RubricOptions",
    "RubricRecord",
    "RubricVerifier",
    "batch_stats",
    "compute_reward",
    "load_rubric_dataset",
    "split_dataset",
]

compute_reward = reward_function("rubric")
