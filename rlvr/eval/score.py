"""`rlvr-eval score`: (re)score saved completions with any verifier mode, no model needed.

Reads a completions.jsonl written by rlvr-eval, or any JSONL of rollout records that carry a
`ground_truth` and `responses` (each with `text`). Every response is verified again; its
`score`, `correct` and verdict metadata are replaced, everything else is kept. A record without
a ground truth is an error naming it, not a silent skip.

Any other records file (JSONL, JSON, CSV, Parquet) is scored with field names, as a custom task
reads its data: `--response-field` names the completion (a string or a list of strings), and
`--answer-field`, `--id-field`, `--strata-field` (or a task file) the rest. The answer field is
read where a record has it; rlvr-eval's own completions carry it as `ground_truth`.
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
from rlvr.eval.custom import CustomTask
from rlvr.eval.extractions import compare_extractions
from rlvr.eval.records import canonical_answer, read_records
from rlvr.eval.runner import summarize_run, write_results
from rlvr.eval.tasks import check_fields, eval_tasks, missing_field
from rlvr.rollouts import Record, RolloutFormatError, iter_rollouts, record_name, write_rollouts

# Files that mark a folder as holding a run (rlvr-eval's or an earlier rescoring's).
RUN_FILES = ("completions.jsonl", "summary.json")
# Responses verified per verify_batch call: small enough for a live progress bar.
BATCH = 256


def _task_settings(task: str | CustomTask) -> tuple[str, dict[str, Any], Sequence[str]]:
    """(verifier task, default verifier options, strata fields) of an evaluation task, a custom
    task or a verifier task name."""
    if isinstance(task, CustomTask):
        return task.verifier, task.verifier_options, task.strata_fields
    known = eval_tasks()
    if task in known:
        return known[task].verifier, known[task].verifier_options, known[task].strata or metrics.STRATA_FIELDS
    return task, {}, metrics.STRATA_FIELDS


def from_fields(
    records: Sequence[dict[str, Any]], task: CustomTask, response_field: str | None, source: str
) -> list[Record]:
    """Rollout records from records named by `task`'s fields (see the module docstring).

    >>> [rollout] = from_fields([{"q": "1+1?", "a": 2.0, "out": "2"}], CustomTask(None, "a", "math"), "out", "f")
    >>> rollout["id"], rollout["ground_truth"], rollout["responses"]
    ('0', '2', [{'text': '2'}])
    """
    check_fields(records, [name for name in (response_field, *task.strata_fields) if name is not None], source)
    rollouts = []
    for index, record in enumerate(records):
        if record.get(task.answer_field) is not None:
            truth = record[task.answer_field]
        elif record.get("ground_truth") is not None:  # rlvr-eval's own completions
            truth = record["ground_truth"]
        else:
            raise missing_field(source, index, record, task.answer_field)
        record_id = record[task.id_field] if task.id_field is not None and task.id_field in record else record.get("id")
        rollout = {
            **record,
            "id": str(index if record_id is None else record_id),
            "ground_truth": canonical_answer(truth),
        }
        rollout.setdefault("prompt", "")
        if response_field is not None:
            texts = record[response_field]
            rollout["responses"] = [{"text": str(text)} for text in (texts if isinstance(texts, list) else [texts])]
        rollouts.append(rollout)
    return rollouts


def rescore(
    records: Sequence[Record],
    task: str | CustomTask,
    verifier_options: dict[str, Any] | None = None,
    progress: bool = True,
) -> list[Record]:
    """Copies of `records` with every response verified by `task`'s verifier. `task` is an
    evaluation task (gsm8k, math500, ...), a custom task or a verifier task name."""
    verifier_task, default_options, _ = _task_settings(task)
    verifier = rlvr.get_verifier(verifier_task, **{**default_options, **(verifier_options or {})})
    for index, record in enumerate(records):
        if "ground_truth" not in record:
            raise RolloutFormatError(f"{record_name(record, index)}: no 'ground_truth' to score against")
    pairs = [(i, j) for i, record in enumerate(records) for j in range(len(record["responses"]))]
    rescored = [{**record, "responses": [dict(r) for r in record["responses"]]} for record in records]
    correct = failed = 0
    name = task.name if isinstance(task, CustomTask) else task
    with tqdm(total=len(pairs), desc=f"scoring {name}", unit="response", disable=not progress) as bar:
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
                if "form" in verdict.detail:
                    meta["form"] = verdict.detail["form"] or "none"
                response.update(score=verdict.score, correct=verdict.correct, metadata=meta)
                correct += verdict.correct
                failed += verdict.failed
            bar.update(len(batch))
            bar.set_postfix(acc=f"{correct / (start + len(batch)):.3f}", failed=failed)
    return rescored


def score_file(
    completions: str | Path,
    task: str | CustomTask,
    verifier_options: dict[str, Any] | None = None,
    ks: Sequence[int] = (1, 2, 4, 8, 16),
    output: str | Path | None = None,
    response_field: str | None = None,
    overwrite: bool = False,
    compare: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """Rescore a completions file; write completions.jsonl, summary.json and per_prompt.jsonl to
    `output` when given. Returns the summary. With `response_field`, `completions` is any
    records file and `task` a CustomTask naming its fields.

    The summary keeps the generating run's config, versions and timing (from the summary.json
    beside `completions`, when there is one) and adds a `rescoring` section, so rescoring never
    loses how the completions were made. An `output` that already holds a run is refused unless
    `overwrite`. Each config in `compare` (verifier options over `verifier_options`, e.g.
    {"mode": "strict"}) scores the same responses too: the summary's "extractions" has their
    accuracy side by side (rlvr.eval.extractions).

    >>> score_file("runs/base/completions.jsonl", "gsm8k", {"mode": "strict"})["metrics"]["pass@1"]  # doctest: +SKIP
    """
    out = Path(output) if output is not None else None
    if out is not None and not overwrite and any((out / name).exists() for name in RUN_FILES):
        raise FileExistsError(
            f"{out} already holds a run: pass --overwrite to rescore into it, or choose another --output"
        )
    if response_field is not None:
        if not isinstance(task, CustomTask):
            raise ValueError("--response-field needs a custom task: --task custom --answer-field ... --verifier ...")
        records = from_fields(read_records(completions), task, response_field, str(completions))
    else:
        # Unscored input is the normal case here, so no coverage warning on reading.
        records = list(iter_rollouts(completions))
        if isinstance(task, CustomTask):
            records = from_fields(records, task, None, str(completions))
    if not records:
        raise ValueError(f"{completions} holds no records: nothing to score")
    _, _, strata_fields = _task_settings(task)
    started = time.perf_counter()
    rescored = rescore(records, task, verifier_options)
    seconds = time.perf_counter() - started
    responses = sum(len(r["responses"]) for r in rescored)
    rescoring = {
        "task": task.name if isinstance(task, CustomTask) else task,
        "completions": str(completions),
        "verifier_options": verifier_options or {},
        "versions": {"rlvr": rlvr.__version__},
        "timing": {"scoring_s": seconds, "responses_per_s": responses / seconds if seconds else None},
    }
    if compare:
        verifier_task, default_options, _ = _task_settings(task)
        options = {**default_options, **(verifier_options or {})}
        rescoring["extractions"] = compare_extractions(records, verifier_task, options, [{}, *compare])
    header = {**generating_run(Path(completions)), "rescoring": rescoring}
    if out is None:
        return summarize_run(rescored, ks, header, strata_fields)
    out.mkdir(parents=True, exist_ok=True)
    write_rollouts(out / "completions.jsonl", rescored)
    return write_results(out, rescored, ks, header, strata_fields)


def generating_run(completions: Path) -> dict[str, Any]:
    """The config, versions and timing of the rlvr-eval run that wrote `completions` (read from
    the summary.json beside it), or {} for completions from elsewhere."""
    summary_path = completions.parent / "summary.json"
    if not summary_path.exists():
        return {}
    summary = json.loads(summary_path.read_text())
    return {key: summary[key] for key in ("config", "versions", "timing") if key in summary}
