"""Several extraction configs scored side by side, as lm-eval's filter lists are: every saved
response verified again under each config (verifier options laid over the run's), for
`rlvr-eval score --compare` and for the generating commands' `--compare`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import rlvr
from rlvr.rollouts import Record


def config_name(config: dict[str, Any]) -> str:
    """How a config is named in a summary: "mode=strict", "default" for no change. An Extraction
    of one's own is named by its name.

    >>> config_name({"mode": "strict"}), config_name({})
    ('mode=strict', 'default')
    """
    return ",".join(f"{key}={getattr(value, 'name', value)}" for key, value in config.items()) or "default"


def compare_extractions(
    records: Sequence[Record],
    verifier_task: str,
    options: dict[str, Any],
    configs: Sequence[dict[str, Any]],
) -> dict[str, dict[str, float]]:
    """Every response of `records` scored under each config (options laid over `options`):
    {"mode=strict": {"accuracy", "no_answer", "failed"}, ...}, rates over all responses. A
    config that is not valid raises ValueError.

    >>> compare_extractions(records, "gsm8k", {}, [{}, {"mode": "strict"}])  # doctest: +SKIP
    {'default': {'accuracy': 0.78, 'no_answer': 0.0, 'failed': 0.0}, 'mode=strict': {...}}
    """
    texts = [response["text"] for record in records for response in record["responses"]]
    truths = [record["ground_truth"] for record in records for _ in record["responses"]]
    compared = {}
    for config in configs:
        verdicts = rlvr.get_verifier(verifier_task, **{**options, **config}).verify_batch(texts, truths)
        total = max(1, len(verdicts))
        compared[config_name(config)] = {
            "accuracy": sum(v.correct for v in verdicts) / total,
            "no_answer": sum(v.reason == "no_answer" for v in verdicts) / total,
            "failed": sum(v.failed for v in verdicts) / total,
        }
    return compared
