"""Task "rubric": the reward is the fraction of rubric criteria an LLM judge says a response meets.

Ground truth: a list of criteria, or a record with "prompt" and its criteria (either dataset
format, see `rlvr.verifiers.rubric.data`), or a JSON string of one of those. One judge call per
response covers all its criteria (see `judge_format` for the prompt and the required answer).

Options (environment variables give the defaults, so a trainer that imports the two-argument
`compute_reward` can still point it at its judge):

    judge_base_url     RLVR_JUDGE_BASE_URL     OpenAI-compatible base URL (default http://127.0.0.1:8000/v1)
    judge_model        RLVR_JUDGE_MODEL        model name sent to the endpoint (default gpt-4o-mini)
    judge_api_key_env  RLVR_JUDGE_API_KEY_ENV  name of the variable holding the API key (default OPENAI_API_KEY)
    judge_temperature  RLVR_JUDGE_TEMPERATURE  sampling temperature (default 0; None leaves it out)
    judge_max_retries  RLVR_JUDGE_MAX_RETRIES  retries after the first call (default 3)
    judge_timeout      RLVR_JUDGE_TIMEOUT      seconds per HTTP request (default 60)
    judge_concurrency  RLVR_JUDGE_CONCURRENCY  judge calls verify_batch runs at once (default 8)
    judge_max_tokens   -                       max_tokens of the judge's answer (default: server's)
    judge_backoff      -                       first retry wait in seconds, doubled per retry (default 1)
    cache_size         -                       verdicts kept in memory, 0 disables (default 100000)
    timeout            -                       seconds one verification may take in all (default 300)

Verdict: score = met / total; correct when every criterion is met (reason "ok", else "mismatch").
An empty response scores 0 with reason "no_answer" without a judge call. When the judge gives no
valid verdict within the retries: score 0, reason "judge_error"; when the time budget runs out
first: reason "timeout". The detail carries the per-criterion judgements and the cost: calls,
retries, rate_limited, prompt_tokens, completion_tokens, cache_hit, and the errors of failed
calls (the last five). Only valid verdicts are
cached, keyed by a sha256 of (judge model, prompt, response, criteria).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rlvr.verdict import JUDGE_ERROR, MISMATCH, NO_ANSWER, OK, Verdict
from rlvr.verifiers.base import Deadline, Verifier, VerifierOptions
from rlvr.verifiers.rubric.cache import VerdictCache, cache_key
from rlvr.verifiers.rubric.client import ChatJudge, JudgeCall, chat_completions_url
from rlvr.verifiers.rubric.data import rubric_ground_truth
from rlvr.verifiers.rubric.judge_format import build_messages, new_nonce

COST_FIELDS = ("calls", "retries", "rate_limited", "prompt_tokens", "completion_tokens")


def _from_env(name: str, default: str, convert: Callable[[str], Any] = str) -> Any:
    return field(default_factory=lambda: convert(os.environ.get(name, default)))


def _optional_float(text: str) -> float | None:
    return None if text.strip().lower() in ("", "none") else float(text)


@dataclass(frozen=True)
class RubricOptions(VerifierOptions):
    """The judge endpoint, its retry and time limits, and the cache; see the module docstring."""

    timeout: float = 300.0
    judge_base_url: str = _from_env("RLVR_JUDGE_BASE_URL", "http://127.0.0.1:8000/v1")
    judge_model: str = _from_env("RLVR_JUDGE_MODEL", "gpt-4o-mini")
    judge_api_key_env: str = _from_env("RLVR_JUDGE_API_KEY_ENV", "OPENAI_API_KEY")
    judge_temperature: float | None = _from_env("RLVR_JUDGE_TEMPERATURE", "0", _optional_float)
    judge_max_retries: int = _from_env("RLVR_JUDGE_MAX_RETRIES", "3", int)
    judge_timeout: float = _from_env("RLVR_JUDGE_TIMEOUT", "60", float)
    judge_concurrency: int = _from_env("RLVR_JUDGE_CONCURRENCY", "8", int)
    judge_max_tokens: int | None = None
    judge_backoff: float = 1.0
    cache_size: int = 100_000

    def __post_init__(self) -> None:
        super().__post_init__()
        chat_completions_url(self.judge_base_url)
        if not isinstance(self.judge_model, str) or not self.judge_model:
            raise ValueError("judge_model must be a non-empty string")
        checks = {
            "judge_max_retries": isinstance(self.judge_max_retries, int) and self.judge_max_retries >= 0,
            "judge_timeout": isinstance(self.judge_timeout, (int, float)) and self.judge_timeout > 0,
            "judge_concurrency": isinstance(self.judge_concurrency, int) and self.judge_concurrency >= 1,
            "judge_backoff": isinstance(self.judge_backoff, (int, float)) and self.judge_backoff >= 0,
            "cache_size": isinstance(self.cache_size, int) and self.cache_size >= 0,
            "judge_temperature": self.judge_temperature is None or isinstance(self.judge_temperature, (int, float)),
            "judge_max_tokens": self.judge_max_tokens is None
            or (isinstance(self.judge_max_tokens, int) and self.judge_max_tokens > 0),
        }
        for name, valid in checks.items():
            if not valid:
                raise ValueError(f"invalid {name}: {getattr(self, name)!r}")


class RubricVerifier(Verifier[RubricOptions]):
    """Task "rubric"; see the module docstring for ground truths, options and verdicts."""

    task = "rubric"
    Options = RubricOptions
    environment = tuple(
        f"RLVR_JUDGE_{name}"
        for name in ("BASE_URL", "MODEL", "API_KEY_ENV", "TEMPERATURE", "MAX_RETRIES", "TIMEOUT", "CONCURRENCY")
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        opts = self.options
        # verify_batch runs this many verifications, so this many judge calls, at once.
        self.batch_concurrency = opts.judge_concurrency
        self.judge = ChatJudge(
            base_url=opts.judge_base_url,
            model=opts.judge_model,
            api_key_env=opts.judge_api_key_env,
            temperature=opts.judge_temperature,
            max_tokens=opts.judge_max_tokens,
            max_retries=opts.judge_max_retries,
            request_timeout=opts.judge_timeout,
            backoff=opts.judge_backoff,
        )
        self.cache: VerdictCache[JudgeCall] = VerdictCache(opts.cache_size)
        self._totals = dict.fromkeys(("verifications", "cache_hits", *COST_FIELDS), 0)
        self._totals_lock = threading.Lock()

    def check(self, completion: str, ground_truth: Any, deadline: Deadline) -> Verdict:
        prompt, rubrics = rubric_ground_truth(ground_truth)
        if not completion.strip():
            detail = _cost_detail(None, len(rubrics))
            self._account(detail)
            return Verdict(score=0.0, correct=False, reason=NO_ANSWER, detail=detail)
        key = cache_key(self.judge.model, prompt, completion, rubrics)
        nonce = new_nonce()  # unknown to the response: a verdict it quotes cannot carry it
        call, cache_hit = self.cache.fetch(
            key,
            compute=lambda: self.judge.judge(
                build_messages(prompt, completion, rubrics, nonce), len(rubrics), deadline, nonce
            ),
            keep=lambda result: result.judgements is not None,
            wait=deadline.remaining,
        )
        detail = _cost_detail(None if cache_hit else call, len(rubrics))
        detail["cache_hit"] = cache_hit
        self._account(detail)
        if call.judgements is None:
            # The newest error is the message; none was noted when no time was left to ask.
            message = call.errors[-1] if call.errors else "no time left to ask the judge"
            return Verdict.failure(call.outcome, message, detail)
        met = [j.index for j in call.judgements if j.met]
        detail["met"] = met
        detail["judgements"] = [{"index": j.index, "met": j.met, "reason": j.reason} for j in call.judgements]
        correct = len(met) == len(rubrics)
        return Verdict(
            score=len(met) / len(rubrics), correct=correct, reason=OK if correct else MISMATCH, detail=detail
        )

    def stats(self) -> dict[str, int]:
        """Totals over every verification this verifier has run: verifications, cache_hits,
        calls, retries, rate_limited, prompt_tokens, completion_tokens."""
        with self._totals_lock:
            return dict(self._totals)

    def _account(self, detail: dict[str, Any]) -> None:
        with self._totals_lock:
            self._totals["verifications"] += 1
            self._totals["cache_hits"] += int(detail["cache_hit"])
            for name in COST_FIELDS:
                self._totals[name] += detail[name]


def _cost_detail(call: JudgeCall | None, n_rubrics: int) -> dict[str, Any]:
    """What judging cost: zeros for a cache hit or a response that needed no judge."""
    return {
        "n_rubrics": n_rubrics,
        "calls": call.calls if call else 0,
        "retries": call.retries if call else 0,
        "rate_limited": call.rate_limited if call else 0,
        "prompt_tokens": call.prompt_tokens if call else 0,
        "completion_tokens": call.completion_tokens if call else 0,
        "cache_hit": False,
        "errors": list(call.errors) if call else [],
    }


def batch_stats(verdicts: Sequence[Verdict]) -> dict[str, float]:
    """Summary of a batch of rubric verdicts: mean score, how many were judged, failed or came
    from the cache, and the summed cost (calls, retries, rate_limited, tokens)."""
    details = [v.detail for v in verdicts]
    stats: dict[str, float] = {
        "n": len(verdicts),
        "mean_score": sum(v.score for v in verdicts) / len(verdicts) if verdicts else 0.0,
        "all_met": sum(v.correct for v in verdicts),
        "judge_errors": sum(v.reason == JUDGE_ERROR for v in verdicts),
        "timeouts": sum(v.reason == "timeout" for v in verdicts),
        "cache_hits": sum(bool(d.get("cache_hit")) for d in details),
    }
    for name in COST_FIELDS:
        stats[name] = sum(int(d.get(name, 0)) for d in details)
    return stats
