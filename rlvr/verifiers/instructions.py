"""Instruction following, shared by the tasks "ifeval", "ifbench" and "if_multi".

Ground truth is the data's own record, a dict (or its JSON string):

    {"instruction_id_list": ["punctuation:no_comma", "length_constraints:number_words"],
     "kwargs": [{}, {"num_words": 300, "relation": "at least"}], "prompt": "..."}

Arguments may be absent (upstream IFEval) or null (IFBench, the Hugging Face IFEval copy); only
nulls are dropped. "ifeval" takes IFEval's 25 instruction ids, "ifbench" IFBench's 58, and
"if_multi" both and the 29 ids only open-instruct's IFEvalG has, in the RLVR-IFEval /
open-instruct forms too: the key "instruction_id" instead of "instruction_id_list"; the older
{"func_name": "validate_lowercase", ...arguments} form; and a list of such dicts (or its JSON
or Python-literal string), whose instructions are all checked. For if_multi <answer> tags are
removed first, as open-instruct does (the think block, as for every task: option `reasoning`).

Score: the fraction of instructions followed (partial credit, the default for training), or
with `all_or_nothing=True` 1.0 only when all are followed. `loose=True` uses the reference's
loose evaluation (first/last line removed, "*" deleted). An unknown instruction id or a missing
or bad argument gives reason "bad_ground_truth", never a random threshold. The detail lists
every instruction id with followed true/false.

Time bound: a response longer than `IN_PROCESS_CHARS` is checked in a killable worker of the
shared instruction pool (past the deadline: "too_complex", judged, when the checks used the
time in CPU, else "timeout"; "busy" when no worker is free in time), because NLTK's tokenizers,
which many checks use, cost about a millisecond per token on adversarial text: a 1 MB response
would hold the caller for minutes. Shorter ones are checked in this process, where the slowest
check takes a small fraction of a second.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from rlvr.ifeval_checks import (
    INSTRUCTION_CHECKS,
    BadKwargs,
    Check,
    Outcome,
    build_check,
    follow_all,
    follows,
)
from rlvr.verdict import MISMATCH, NO_ANSWER, OK, TOO_COMPLEX, Verdict
from rlvr.verifiers.base import (
    BadGroundTruth,
    Deadline,
    PastBound,
    VerificationTimeout,
    Verifier,
    VerifierBusy,
    VerifierOptions,
    spent_its_cpu,
)
from rlvr.workers import JobTimeout, PoolBusy, WatchdogPool
from rlvr.workers.shared import shared_pool

# Longer responses are checked in a killable worker (see the module docstring). At this length
# the slowest check on adversarial text (NLTK's tokens of "1. 1. 1. ...") takes about 0.05 s on
# an idle core, 0.45 s at load 10 on two cores; loose mode tries up to eight distinct variants.
IN_PROCESS_CHARS = 2000
# The instruction pool's zygote imports the checks and loads NLTK, the tagger and langdetect once.
PRELOAD = ("rlvr.ifeval_checks", "rlvr.ifeval_checks.text:warm_up")
# NLTK's tokens of a 1 MB response take a few hundred MB.
WORKER_MEMORY_MB = 2048


@dataclass(frozen=True)
class InstructionOptions(VerifierOptions):
    """loose: the reference's loose evaluation. all_or_nothing: 1.0 only if every instruction
    is followed, else 0.0 (default: the fraction followed)."""

    loose: bool = False
    all_or_nothing: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("loose", "all_or_nothing"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}")


def parse_record(record: Any) -> list[tuple[str, Mapping[str, Any] | None]]:
    """(instruction id, kwargs) pairs of one ground-truth record (a dict). A record with a
    "func_name" (open-instruct's older form) is one pair: the name, and the other keys as kwargs."""
    if not isinstance(record, Mapping):
        raise BadGroundTruth(f"ground truth must be a dict with instruction ids, got {type(record).__name__}")
    if "func_name" in record:
        return [(record["func_name"], {key: value for key, value in record.items() if key != "func_name"})]
    ids = record.get("instruction_id_list", record.get("instruction_id"))
    if isinstance(ids, str):
        ids = [ids]
    if not isinstance(ids, list) or not ids:
        raise BadGroundTruth("ground truth has no instruction_id_list (a non-empty list of instruction ids)")
    kwargs = record.get("kwargs")
    if kwargs is None:
        kwargs = [None] * len(ids)
    if isinstance(kwargs, Mapping) and len(ids) == 1:
        kwargs = [kwargs]
    if not isinstance(kwargs, list) or len(kwargs) != len(ids):
        raise BadGroundTruth(f"kwargs must be a list aligned with the {len(ids)} instruction ids, got {kwargs!r:.200}")
    return list(zip(ids, kwargs))


def decode(ground_truth: Any) -> Any:
    """A dict or list from a dict, a list, or their JSON or Python-literal string."""
    if isinstance(ground_truth, bytes):
        ground_truth = ground_truth.decode("utf-8", errors="replace")
    if not isinstance(ground_truth, str):
        return ground_truth
    try:
        return json.loads(ground_truth)
    except ValueError:
        pass
    try:
        return ast.literal_eval(ground_truth.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise BadGroundTruth("ground truth string is neither JSON nor a Python literal") from None


def strip_answer_tags(completion: str) -> str:
    """The answer without <answer> tags (the think block is already gone: VerifierOptions.reasoning)."""
    return completion.replace("<answer>", "").replace("</answer>", "").strip()


class InstructionVerifier(Verifier[InstructionOptions]):
    """Shared work of the three tasks; subclasses choose the instruction ids they accept."""

    Options = InstructionOptions
    registry: ClassVar[Mapping[str, type[Check]]] = INSTRUCTION_CHECKS

    @staticmethod
    def pool() -> WatchdogPool:
        """The shared pool that checks long responses. Its zygote starts on the first long response
        (loading NLTK takes a second or two), so a process that never sees one never pays its memory."""
        return shared_pool(PRELOAD)

    def instructions(self, ground_truth: Any) -> list[tuple[str, Mapping[str, Any] | None]]:
        decoded = decode(ground_truth)
        if isinstance(decoded, list) and len(decoded) == 1:
            decoded = decode(decoded[0])
        return parse_record(decoded)

    def response(self, completion: str) -> str:
        return completion

    def check(self, completion: str, ground_truth: Any, deadline: Deadline) -> Verdict:
        options = self.options
        checks: list[tuple[str, Check]] = []
        for instruction_id, kwargs in self.instructions(ground_truth):
            try:
                checks.append((instruction_id, build_check(instruction_id, kwargs, self.registry)))
            except BadKwargs as exc:
                raise BadGroundTruth(f"{self.task}: {exc}") from None
        response = self.response(completion)
        outcomes: list[Outcome]
        if len(response) <= IN_PROCESS_CHARS:
            outcomes = []
            for instruction_id, check in checks:
                deadline.check(f"checking {instruction_id}")
                outcomes.append(follows(check, response, loose=options.loose))
        else:
            outcomes = self._in_worker([check for _, check in checks], response, deadline)
        results = [{"id": i, "followed": o.followed} for (i, _), o in zip(checks, outcomes)]
        followed = sum(o.followed for o in outcomes)
        everything = followed == len(results)
        score = float(everything) if options.all_or_nothing else followed / len(results)
        detail: dict[str, Any] = {"mode": "loose" if options.loose else "strict", "instructions": results}
        reason = OK if everything else (NO_ANSWER if not response.strip() else MISMATCH)
        return Verdict(score=score, correct=everything, extracted=None, reason=reason, detail=detail)

    def _in_worker(self, checks: list[Check], response: str, deadline: Deadline) -> list[Outcome]:
        options = self.options
        limit = max(deadline.remaining(), 1e-3)
        try:
            return self.pool().call(
                follow_all,
                checks,
                response,
                options.loose,
                timeout=limit,
                memory_limit_mb=WORKER_MEMORY_MB,
                deadline=deadline.expires_at,
            )
        except JobTimeout as exc:
            if spent_its_cpu(exc, limit):  # the checks used the whole budget on this response
                raise PastBound(TOO_COMPLEX, f"checking a {len(response)}-character response: {exc}") from None
            raise VerificationTimeout(f"checking a {len(response)}-character response: {exc}") from None
        except PoolBusy as exc:
            raise VerifierBusy(str(exc)) from None
