"""`rlvr-eval score`: (re)score saved completions with any verifier mode, no model needed.

Reads a completions.jsonl written by rlvr-eval, or any JSONL of rollout records that carry a
`ground_truth` and `responses` (each with `text`). Every response is verified again; its
`score`, `correct` and verdict metadata are replaced, everything else is kept. A record without
a ground truth is an error naming it, not a silent skip.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

import rlvr
from rlvr.eval import metrics
from rlvr.eval.runner import write_results
from rlvr.eval.tasks import TASKS
from rlvr.rollouts import Record, RolloutFormatError, iter_rollouts, record_name, write_rollouts

# Files that mark a folder as holding a run (rlvr-eval's or an earlier rescoring's).
RUN_FILES = ("completions.jsonl", "summary.json")
# Responses verified per verify_batch call: small enough for a live progress bar.
BATCH = 256


def rescore(
    records: Sequence[Record], task: str, verifier_options: dict[str, Any] | None = None, progress: bool = True
) -> list[Record]:
    """Copies of `records` with every response verified by `task`'s verifier. `task` is an
    evaluation task (gsm8k, math500, ...) or a verifier task name."""
    verifier_task = TASKS[task].verifier if task in TASKS else task
    verifier = rlvr.get_verifier(verifier_task, **(verifier_options or {}))
    for index, record in enumerate(records):
        if "ground_truth" not in record:
            raise RolloutFormatError(f"{record_name(record, index)}: no 'ground_truth' to score against")
    pairs = [(i, j) for i, record in enumerate(records) for j in range(len(record["responses"]))]
    rescored = [{**record, "responses": [dict(r) for r in record["responses"]]} for record in records]
    correct = 0
    with tqdm(total=len(pairs), desc=f"scoring {task}", unit="response", disable=not progress) as bar:
        for start in range(0, len(pairs), BATCH):
            batch = pairs[start : start + BATCH]
            verdicts = verifier.verify_batch(
                [rescored[i]["responses"][j]["text"] for i, j in batch], [rescored[i]["ground_truth"] for i, _ in batch]
            )
            for (i, j), verdict in zip(batch, verdicts):
                response = rescored[i]["responses"][j]
                meta = {
                    **(response.get("metadata") or {}),
                    "reason": verdict.reason,
                    "extracted": verdict.extracted,
                    "detail": verdict.detail,
                }
                meta.pop("form", None)
                if isinstance(verdict.detail, dict) and "form" in verdict.detail:
                    meta["form"] = verdict.detail["form"] or "none"
                response.update(score=verdict.score, correct=verdict.correct, metadata=meta)
                correct += verdict.correct
            bar.update(len(batch))
            bar.set_postfix(acc=f"{correct / (start + len(batch)):.3f}")
    return rescored


def score_file(
    completions: str | Path,
    task: str,
    verifier_options: dict[str, Any] | None = None,
    ks: Sequence[int] = (1, 2, 4, 8, 16),
    output: str | Path | None = None,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Rescore a completions file; write completions.jsonl, summary.json and per_prompt.jsonl to
    `output` when given. Returns the summary.

    The summary keeps the generating run's config, versions and timing (from the summary.json
    beside `completions`, when there is one) and adds a `rescoring` section, so rescoring never
    loses how the completions were made. An `output` that already holds a run is refused unless
    `overwrite`.
    """
    out = Path(output) if output is not None else None
    if out is not None and not overwrite and any((out / name).exists() for name in RUN_FILES):
        raise FileExistsError(
            f"{out} already holds a run: pass --overwrite to rescore into it, or choose another --output"
        )
    # Unscored input is the normal case here, so no coverage warning on reading.
    records = list(iter_rollouts(completions))
    started = time.perf_counter()
    rescored = rescore(records, task, verifier_options)
    seconds = time.perf_counter() - started
    responses = sum(len(r["responses"]) for r in rescored)
    rescoring = {
        "task": task,
        "completions": str(completions),
        "verifier_options": verifier_options or {},
        "versions": {"rlvr": rlvr.__version__},
        "timing": {"scoring_s": seconds, "responses_per_s": responses / seconds if seconds else None},
    }
    header = {**generating_run(Path(completions)), "rescoring": rescoring}
    if out is None:
        return {**header, "metrics": metrics.summarize(rescored, ks), "strata": metrics.strata(rescored, ks)}
    out.mkdir(parents=True, exist_ok=True)
    write_rollouts(out / "completions.jsonl", rescored)
    return write_results(out, rescored, ks, header)


def generating_run(completions: Path) -> dict[str, Any]:
    """The config, versions and timing of the rlvr-eval run that wrote `completions` (read from
    the summary.json beside it), or {} for completions from elsewhere."""
    summary_path = completions.parent / "summary.json"
    if not summary_path.exists():
        return {}
    summary = json.loads(summary_path.read_text())
    return {key: summary[key] for key in ("config", "versions", "timing") if key in summary}
