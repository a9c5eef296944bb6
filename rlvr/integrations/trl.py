"""rlvr rewards for TRL's `GRPOTrainer` (and the other TRL trainers that take reward functions).

    from rlvr.integrations.trl import reward_func
    trainer = GRPOTrainer(model=..., reward_funcs=[reward_func("gsm8k", mode="strict")], train_dataset=ds)

TRL calls a reward function as `f(prompts=..., completions=..., completion_ids=..., **columns)`,
where `columns` holds every other dataset column (one value per completion, already repeated for
each generation) plus `trainer_state`, `log_extra` and `log_metric`. It expects one float or
None per completion; None means "this reward does not apply to that sample".

What the functions built here do:
- read the gold answer from the dataset column `answer_column` (a row whose answer is None gets
  None, so in a mixed-task dataset each rlvr reward scores only its own rows);
- take plain-string or conversational completions (the last assistant message is verified);
- verify the batch through the verifier's `verify_batch` (in parallel where the task's work runs
  in worker processes), so a hung sympy call or program costs at most the `timeout` option;
  rlvr's timeouts use deadlines and killable workers, not signals, so they also hold off the
  main thread, where TRL runs async rewards;
- return exactly one value per completion, never an exception: the verdict's score, or None for
  a verdict that could not judge (`Verdict.failed`: a judge outage, a broken gold, no worker
  free), so TRL leaves that sample out of its group's baseline and gives it no advantage
  (TRL >= 0.20 treats a row whose every reward is None as unscorable). `on_failure="zero"`
  returns 0.0 for those instead (older TRL, or to keep them in the baseline on purpose);
- with `distributed=True` (or a dict of `rlvr.distributed.ServerOptions` fields), verify on the
  Ray cluster the process is connected to, through a reward server every rank shares;
- when TRL passes `log_metric`, log per-batch outcome counts as `rlvr/<task>/<outcome>` for the
  outcomes correct, wrong, no_answer, timeout and error (every reason in rlvr.FAILURE_REASONS
  but timeout counts as error).
Only configuration errors raise: an unknown task or option when the function is built, and a
missing answer column or a column whose length differs from the completions' when it is called
(pairing answers with the wrong completions would train on wrong rewards without a sign).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from rlvr.aio import run_blocking
from rlvr.api import get_verifier
from rlvr.integrations.messages import completion_text
from rlvr.verdict import NO_ANSWER, TIMEOUT, Verdict
from rlvr.verifiers.base import Verifier

__all__ = ["OUTCOMES", "async_reward_func", "outcome", "reward_func"]

OUTCOMES = ("correct", "wrong", "no_answer", "timeout", "error")


def outcome(verdict: Verdict) -> str:
    """The outcome bucket of a verdict: one of OUTCOMES. Every verdict that could not judge
    (`Verdict.failed`) is "timeout" or "error", never "wrong".

    >>> outcome(Verdict.failure("sandbox_error"))
    'error'
    """
    if verdict.correct:
        return "correct"
    if verdict.failed:
        return TIMEOUT if verdict.reason == TIMEOUT else "error"
    return NO_ANSWER if verdict.reason == NO_ANSWER else "wrong"


ON_FAILURE = ("none", "zero")


def reward_func(
    task: str, answer_column: str = "answer", distributed: Any = False, on_failure: str = "none", **options: Any
) -> Callable[..., list[float | None]]:
    """A synchronous TRL reward function for rlvr `task` with verifier `options`.

    Raises ValueError here for an unknown task or option. The function is named `rlvr_<task>`,
    which is the name TRL logs its rewards under (`rewards/rlvr_<task>/mean`). `distributed`:
    False to verify in this process, True or a dict of `rlvr.distributed.ServerOptions` fields to
    verify on the Ray cluster this process joined with `ray.init`. `on_failure`: "none" (a
    verdict that could not judge gives None: never trained on) or "zero" (it gives 0.0).

    >>> reward_func("gsm8k")(completions=["#### 72", "#### 7"], answer=["#### 72", None])
    [1.0, None]
    """
    scorer = _BatchScorer(get_verifier(task, **options), answer_column, distributed, on_failure)

    def rlvr_reward(
        prompts: Sequence[Any] | None = None,
        completions: Sequence[Any] = (),
        completion_ids: Sequence[Any] | None = None,
        log_metric: Callable[[str, float], None] | None = None,
        **columns: Any,
    ) -> list[float | None]:
        return scorer.score(completions, columns, log_metric)

    return _named(rlvr_reward, task)


def async_reward_func(
    task: str, answer_column: str = "answer", distributed: Any = False, on_failure: str = "none", **options: Any
) -> Callable[..., Any]:
    """Like `reward_func`, but a coroutine function: TRL awaits it on its event loop, next to
    its other async rewards. The batch goes through `Verifier.averify_batch` (rlvr.aio): the
    loop never blocks, and concurrent batches share the verifier's lane, so time spent queued
    behind another batch is never charged to a sample's timeout."""
    scorer = _BatchScorer(get_verifier(task, **options), answer_column, distributed, on_failure)

    async def rlvr_reward(
        prompts: Sequence[Any] | None = None,
        completions: Sequence[Any] = (),
        completion_ids: Sequence[Any] | None = None,
        log_metric: Callable[[str, float], None] | None = None,
        **columns: Any,
    ) -> list[float | None]:
        return await scorer.ascore(completions, columns, log_metric)

    return _named(rlvr_reward, task)


class _BatchScorer:
    """Scores one TRL batch with one verifier: the body both reward functions share."""

    def __init__(self, verifier: Verifier, answer_column: str, distributed: Any, on_failure: str) -> None:
        if on_failure not in ON_FAILURE:
            raise ValueError(f"on_failure must be one of {ON_FAILURE}, got {on_failure!r}")
        self.failure_reward = None if on_failure == "none" else 0.0
        self.verifier = verifier
        self.answer_column = answer_column
        self.verify_batch = verifier.verify_batch
        self.distributed = bool(distributed)
        if distributed:  # the local verifier stays: it checked the options, here and at once
            from rlvr.distributed import server_for

            self.verify_batch = partial(
                server_for(distributed).verify_batch, verifier.task, **verifier.describe_options()
            )

    def score(
        self, completions: Sequence[Any], columns: dict[str, Any], log_metric: Callable[[str, float], None] | None
    ) -> list[float | None]:
        rows, texts, truths = self._inputs(completions, columns)
        return self._rewards(len(completions), rows, self.verify_batch(texts, truths), log_metric)

    async def ascore(
        self, completions: Sequence[Any], columns: dict[str, Any], log_metric: Callable[[str, float], None] | None
    ) -> list[float | None]:
        rows, texts, truths = self._inputs(completions, columns)
        if self.distributed:  # a blocking call to the Ray server: on a thread
            verdicts = await run_blocking(self.verify_batch, texts, truths)
        else:
            verdicts = await self.verifier.averify_batch(texts, truths)
        return self._rewards(len(completions), rows, verdicts, log_metric)

    def _inputs(self, completions: Sequence[Any], columns: dict[str, Any]) -> tuple[list[int], list[str], list[Any]]:
        """The rows that have an answer, their completions' text and their answers."""
        answers = self._answers(completions, columns)
        rows = [i for i, answer in enumerate(answers) if answer is not None]
        return rows, [completion_text(completions[i]) for i in rows], [answers[i] for i in rows]

    def _rewards(
        self,
        count: int,
        rows: list[int],
        verdicts: Sequence[Verdict],
        log_metric: Callable[[str, float], None] | None,
    ) -> list[float | None]:
        rewards: list[float | None] = [None] * count
        for i, verdict in zip(rows, verdicts):
            rewards[i] = self.failure_reward if verdict.failed else verdict.score
        if log_metric is not None:
            counts = Counter(outcome(verdict) for verdict in verdicts)
            for name in OUTCOMES:
                log_metric(f"rlvr/{self.verifier.task}/{name}", float(counts[name]))
        return rewards

    def _answers(self, completions: Sequence[Any], columns: dict[str, Any]) -> list[Any]:
        if self.answer_column not in columns:
            available = sorted(k for k in columns if k not in ("trainer_state", "log_extra", "environments"))
            raise ValueError(
                f"rlvr reward for task {self.verifier.task!r}: the dataset has no column {self.answer_column!r} "
                f"(columns passed: {available}); set answer_column= to the column with the gold answers"
            )
        answers = list(columns[self.answer_column])
        if len(answers) != len(completions):
            raise ValueError(
                f"rlvr reward for task {self.verifier.task!r}: {len(completions)} completions but "
                f"{len(answers)} values in column {self.answer_column!r}"
            )
        return answers


def _named(function: Callable[..., Any], task: str) -> Callable[..., Any]:
    function.__name__ = function.__qualname__ = f"rlvr_{task}"
    function.__doc__ = f"rlvr reward for task {task!r} with TRL's reward-function contract."
    return function
