"""Metrics of an evaluation run, computed from its rollout records.

Every function here reads records in the rollout format (rlvr.rollouts) whose responses carry
`correct`, `score`, `finish_reason` and `metadata` (`num_tokens`, and the verdict's `reason`
and `form` when the verifier reports one), so a run, a resumed run and a rescored file of
someone else's completions are all summarised by the same code.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from statistics import mean
from typing import Any

from rlvr.eval.passk import pass_at_k
from rlvr.rollouts import Record
from rlvr.verdict import is_failure

# Data fields that split the accuracy into strata when records carry them, unless the task
# names its own (OlympiadBench: subfield, answer_type; a custom task: its --strata-field).
STRATA_FIELDS = ("level", "subject", "difficulty", "category")
# Above this share of verdicts that could not judge, a run's summary carries a warning.
FAILURE_WARN_RATE = 0.01


def correct_count(record: Record) -> int:
    return sum(bool(r.get("correct")) for r in record["responses"])


def mean_pass_at_k(records: Sequence[Record], k: int) -> float | None:
    """pass@k averaged over the records with at least k responses (None when none has)."""
    values = [pass_at_k(len(r["responses"]), correct_count(r), k) for r in records if len(r["responses"]) >= k]
    return mean(values) if values else None


def available_ks(records: Sequence[Record], ks: Iterable[int]) -> list[int]:
    """The requested k that at least one record has enough samples for, plus 1."""
    most = max((len(r["responses"]) for r in records), default=0)
    return sorted({k for k in set(ks) | {1} if 1 <= k <= most})


def _shares(counter: Counter, total: int) -> dict[str, float]:
    return (
        {str(key): count / total for key, count in sorted(counter.items(), key=lambda kv: str(kv[0]))} if total else {}
    )


def summarize(records: Sequence[Record], ks: Iterable[int] = (1,)) -> dict[str, Any]:
    """The `metrics` block of summary.json: pass@k for every k <= n, mean score, truncation
    rate, format rates (share of responses by the form the answer was found in), verdict
    reasons, the share of verdicts that could not judge (`failure_rate`, see rlvr.FAILURE_REASONS),
    mean completion length and verification coverage."""
    responses = [resp for record in records for resp in record["responses"]]
    ks = available_ks(records, ks)
    pass_k = {str(k): mean_pass_at_k(records, k) for k in ks}
    finished = [r.get("finish_reason") for r in responses if r.get("finish_reason") is not None]
    metadata = [r.get("metadata") or {} for r in responses]
    forms = Counter(m["form"] for m in metadata if "form" in m)
    tokens = [m["num_tokens"] for m in metadata if isinstance(m.get("num_tokens"), int)]
    scored = [r["score"] for r in responses if r.get("score") is not None]
    judged = [m["reason"] for m in metadata if "reason" in m]
    failures = sum(is_failure(reason) for reason in judged)
    return {
        "num_prompts": len(records),
        "num_samples": len(responses),
        "pass@1": pass_k.get("1"),
        "pass@k": pass_k,
        "mean_score": mean(scored) if scored else None,
        "truncation_rate": sum(f == "length" for f in finished) / len(finished) if finished else None,
        "format_rates": _shares(forms, len(metadata)) if forms else {},
        "reasons": dict(sorted(Counter(m.get("reason", "unverified") for m in metadata).items())),
        "failures": failures,
        "failure_rate": failures / len(judged) if judged else None,
        "mean_completion_tokens": mean(tokens) if tokens else None,
        "mean_completion_chars": mean(len(r["text"]) for r in responses) if responses else None,
        "verification_coverage": len(scored) / len(responses) if responses else None,
    }


def strata(
    records: Sequence[Record], ks: Iterable[int] = (1,), fields: Sequence[str] = STRATA_FIELDS
) -> dict[str, dict[str, dict[str, Any]]]:
    """Accuracy by every stratum field the records carry: {"level": {"Level 1": {...}}, ...}."""
    ks = list(ks)
    result: dict[str, dict[str, dict[str, Any]]] = {}
    for field in fields:
        groups: dict[str, list[Record]] = defaultdict(list)
        for record in records:
            if record.get(field) is not None:
                groups[str(record[field])].append(record)
        if groups:
            result[field] = {
                value: {
                    "num_prompts": len(members),
                    "pass@1": mean_pass_at_k(members, 1),
                    "pass@k": {str(k): mean_pass_at_k(members, k) for k in available_ks(members, ks)},
                }
                for value, members in sorted(groups.items())
            }
    return result


def per_prompt(records: Sequence[Record], fields: Sequence[str] = STRATA_FIELDS) -> list[dict[str, Any]]:
    """One row per prompt for curricula: its pass rate and mean score, plus its strata fields."""
    rows = []
    for record in records:
        responses = record["responses"]
        scores = [r["score"] for r in responses if r.get("score") is not None]
        row = {
            "id": record.get("id"),
            "n": len(responses),
            "num_correct": correct_count(record),
            "pass_rate": correct_count(record) / len(responses) if responses else None,
            "mean_score": mean(scores) if scores else None,
        }
        row.update({field: record[field] for field in fields if field in record})
        rows.append(row)
    return rows


def failure_warning(summary_metrics: dict[str, Any]) -> str | None:
    """A loud warning when more than FAILURE_WARN_RATE of the verdicts could not judge (their zeros
    would pass for wrong answers), else None.

    >>> failure_warning({"failures": 3, "failure_rate": 0.3, "reasons": {"sandbox_error": 3, "ok": 7}})[:8]
    'WARNING:'
    """
    rate = summary_metrics.get("failure_rate")
    if rate is None or rate <= FAILURE_WARN_RATE:
        return None
    reasons = {r: n for r, n in summary_metrics.get("reasons", {}).items() if is_failure(r) and r != "unverified"}
    return (
        f"WARNING: {summary_metrics['failures']} verdicts ({rate:.1%}) could not judge the answer {reasons}; "
        "their zero scores are not wrong answers: fix the verifier set-up before trusting these numbers"
    )
