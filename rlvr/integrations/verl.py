"""rlvr rewards as verl's custom reward function.

verl scores a sample with `compute_score(data_source, solution_str, ground_truth, extra_info)`
(its naive and DAPO reward managers) or a whole batch with
`compute_score(data_sources, solution_strs, ground_truths, extra_infos)` (its batch manager),
and loads either from the trainer config:

    reward.custom_reward_function.path=pkg://rlvr.integrations.verl
    reward.custom_reward_function.name=compute_score          # or compute_score_batch

(a file path to this module works too). `data_source` picks the rlvr task through
`DATA_SOURCES`, which covers the names verl's own data preprocessing writes ("openai/gsm8k",
"lighteval/MATH", ...) and every rlvr task name; extend it per run with the keyword
`task_map={"my/dataset": "gsm8k"}` and set verifier options per task with
`options={"gsm8k": {"mode": "strict"}}`, both settable as `custom_reward_function.reward_kwargs`.
`compute_score_async` is the same per-sample contract as a coroutine function: verl's
asynchronous reward loop (verl/experimental/reward_loop) awaits it on its event loop instead of
running a synchronous function on the loop's small default executor, and rlvr verifies on its
own thread lanes (rlvr.aio), so waiting for a worker is never charged to a sample's timeout:

    reward.custom_reward_function.name=compute_score_async

`compute_score_batch` takes `distributed=True` (or a dict of `rlvr.distributed.ServerOptions`
fields) there too, to verify on the Ray cluster verl runs on, through one reward server that
every reward worker shares.

The result is a dict: "score" (the reward) plus the Verdict's fields "correct", "extracted",
"reason" and "detail" (a JSON string), "failed" (1.0 when the verifier could not judge, see
rlvr.FAILURE_REASONS; verl averages it into a failure rate), and verl's conventional "acc" (1.0/0.0, its accuracy
metric) and "pred" (the extracted answer or "", which its validation uses for majority voting).
Never raises for a sample: an unknown data_source gives score 0 with reason "unknown_task" and
a logged warning (once per name), not verl's NotImplementedError in the middle of a run.
Configuration raises ValueError on the first call, so at the first batch: `options` that are
not {task: {option: value}}, a misspelt or ill-typed option of any task named there (a run
trained on per-sample zeros with only a log line before), or a `task_map` whose values are not
rlvr tasks.

Failed verdicts and verl: verl's reward managers put the dict's "score" into the reward tensor
and every other key into the batch's `non_tensor_batch` (and the validation metrics); its GRPO
advantage (`compute_grpo_outcome_advantage`) takes only the rewards, the response mask and the
group ids, so a reward function has no way to leave a sample out of its group's baseline
(checked against verl's naive, batch and DAPO reward managers and ray_trainer, January 2026).
The closest thing is what this adapter does: a failed verdict scores 0.0 (never a partial
reward), and its "failed" field (1.0) travels with the sample as `non_tensor_batch["failed"]`,
where verl logs its mean and a custom reward manager or advantage estimator can mask it. Watch
that failure rate: a broken gold or an unreachable judge shows there, not as wrong answers.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from rlvr.aio import run_blocking
from rlvr.api import shared_verifier
from rlvr.tasks.registry import data_sources, task_specs
from rlvr.verdict import UNKNOWN_TASK, Verdict

__all__ = ["DATA_SOURCES", "compute_score", "compute_score_async", "compute_score_batch", "task_for"]

logger = logging.getLogger(__name__)

# data_source -> rlvr task: each task's registered `data_sources` (the names verl's example
# preprocessing scripts and its `default_compute_score` use, and the Hugging Face ids of the
# datasets rlvr's tasks read) and every task's own name.
DATA_SOURCES: dict[str, str] = data_sources()

_warned_sources: set[str] = set()


def task_for(data_source: Any, task_map: Mapping[str, str] | None = None) -> str | None:
    """The rlvr task for a verl data_source: `task_map` first, then DATA_SOURCES (which holds every
    task's own name); None when there is none."""
    if not isinstance(data_source, str):
        return None
    if isinstance(task_map, Mapping) and data_source in task_map:
        task = task_map[data_source]
        return task if isinstance(task, str) else None
    return DATA_SOURCES.get(data_source)


def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: Any = None,
    task_map: Mapping[str, str] | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """verl's per-sample reward contract. `extra_info` and other keywords verl passes
    (sandbox urls, reward-model routers) are accepted and not used. Raises ValueError for bad
    `options` or `task_map` (configuration), never for a sample."""
    _check_options(options)
    _check_task_map(task_map)
    task = task_for(data_source, _plain(task_map))
    if task is None:
        return _result(_unknown(data_source))
    return _result(_verify_rows(task, _task_options(options, task), [solution_str], [ground_truth], [0])[0])


async def compute_score_async(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: Any = None,
    task_map: Mapping[str, str] | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """`compute_score` as a coroutine function, for verl's async reward loop: the same dict,
    awaited without blocking the event loop. Raises ValueError for bad `options` or `task_map`,
    as compute_score does."""
    _check_options(options)
    _check_task_map(task_map)
    task = task_for(data_source, _plain(task_map))
    if task is None:
        return _result(_unknown(data_source))
    verifier = await run_blocking(shared_verifier, task, _task_options(options, task))
    return _result(await verifier.averify(solution_str, _plain(ground_truth)))


def compute_score_batch(
    data_sources: Sequence[str],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[Any] | None = None,
    task_map: Mapping[str, str] | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    distributed: Any = False,
    **kwargs: Any,
) -> list[dict[str, Any]]:
    """verl's batch reward contract (BatchRewardManager): one dict per sample, in input order.
    Samples are grouped by task and each group goes through the verifier's `verify_batch`.
    Raises ValueError only for configuration: the three sequences differ in length, or bad
    `options` or `task_map`."""
    if not len(data_sources) == len(solution_strs) == len(ground_truths):
        raise ValueError(
            f"compute_score_batch got {len(data_sources)} data_sources, {len(solution_strs)} solutions "
            f"and {len(ground_truths)} ground truths"
        )
    _check_options(options)
    _check_task_map(task_map)
    task_map = _plain(task_map)
    verdicts: list[Verdict | None] = [None] * len(solution_strs)
    rows_by_task: dict[str, list[int]] = defaultdict(list)
    for i, data_source in enumerate(data_sources):
        task = task_for(data_source, task_map)
        if task is None:
            verdicts[i] = _unknown(data_source)
        else:
            rows_by_task[task].append(i)
    for task, rows in rows_by_task.items():
        task_verdicts = _verify_rows(
            task, _task_options(options, task), solution_strs, ground_truths, rows, _plain(distributed)
        )
        for i, verdict in zip(rows, task_verdicts):
            verdicts[i] = verdict
    # Every row got a verdict above: an unknown data source's, or its task's.
    return [_result(verdict) for verdict in verdicts if verdict is not None]


def _verify_rows(
    task: str,
    task_options: dict[str, Any],
    solutions: Sequence[Any],
    ground_truths: Sequence[Any],
    rows: list[int],
    distributed: Any = False,
) -> list[Verdict]:
    completions, truths = [solutions[i] for i in rows], [_plain(ground_truths[i]) for i in rows]
    if distributed:
        from rlvr.distributed import server_for

        return server_for(distributed).verify_batch(task, completions, truths, **task_options)
    return shared_verifier(task, task_options).verify_batch(completions, truths)


def _check_options(options: Any) -> None:
    """Raise ValueError unless `options` is {task: {option: value}} with options every task
    accepts. Flat options ({"mode": "strict"}) would otherwise be ignored without a sign; each
    task's verifier is built (and cached) here, so a misspelt option raises at the first batch
    even when that batch has no sample of its task."""
    if options is None:
        return
    options = _plain(options)
    if not isinstance(options, Mapping):
        raise ValueError(f"verl reward_kwargs options must map task names to option dicts, got {options!r:.200}")
    for key, value in options.items():
        if key not in task_specs() or not isinstance(value, Mapping):
            raise ValueError(f"verl reward_kwargs options must map task names to option dicts, got {key!r}: {value!r}")
        shared_verifier(key, dict(value))


def _check_task_map(task_map: Any) -> None:
    """Raise ValueError unless `task_map` is {data_source: rlvr task}: a misspelt task there would
    otherwise fail every sample of that data source for a whole run."""
    if task_map is None:
        return
    task_map = _plain(task_map)
    if not isinstance(task_map, Mapping) or not all(
        isinstance(source, str) and isinstance(task, str) and task in task_specs() for source, task in task_map.items()
    ):
        raise ValueError(f"verl reward_kwargs task_map must map data sources to rlvr tasks, got {task_map!r:.200}")


def _task_options(options: Mapping[str, Mapping[str, Any]] | None, task: str) -> dict[str, Any]:
    """The verifier options for `task` out of valid `options`."""
    return _plain((options or {}).get(task) or {})


def _unknown(data_source: Any) -> Verdict:
    name = str(data_source)
    if name not in _warned_sources:
        _warned_sources.add(name)
        logger.warning(
            "rlvr: no task for verl data_source %r; it scores 0. Map it with task_map={%r: '<task>'}", name, name
        )
    return Verdict.failure(UNKNOWN_TASK, f"no rlvr task for data_source {name!r}")


def _result(verdict: Verdict) -> dict[str, Any]:
    return {
        "score": verdict.score,
        "acc": float(verdict.correct),
        "pred": verdict.extracted if verdict.extracted is not None else "",
        "correct": verdict.correct,
        "extracted": verdict.extracted,
        "reason": verdict.reason,
        "failed": float(verdict.failed),
        "detail": json.dumps(verdict.detail, default=str),
    }


def _plain(value: Any) -> Any:
    """Plain dicts and lists for what verl hands over as OmegaConf containers (reward_kwargs)
    or numpy arrays (list-valued ground truths read back from parquet)."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return _plain(value.tolist())
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray)):
        return [_plain(item) for item in value]
    return value
