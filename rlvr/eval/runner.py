"""An evaluation run: generate, verify (overlapped with generation), write results.

Prompts are generated in chunks. Each finished chunk goes to a verification thread while the
backend generates the next one, so the verifier adds little wall time; verified records are
appended to completions.jsonl at once (an interrupted run keeps them, and `resume=True`
continues where it stopped, judging again every saved verdict that could not judge: a `busy` or
`sandbox_error` of the interrupted run is not kept as an answer). At most MAX_PENDING_CHUNKS
chunks wait for verification: past that, generation waits for the verifier, so memory stays
bounded when verifying is slower than generating. At the end summary.json and per_prompt.jsonl
are written from everything in completions.jsonl; a verdict that could not judge counts as
wrong in pass@k, and `failures` says how many there were.
"""

from __future__ import annotations

import json
import sys
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

import rlvr
from rlvr.eval import metrics
from rlvr.eval.custom import CustomTask
from rlvr.eval.extractions import compare_extractions
from rlvr.eval.prompts import fewshot_examples
from rlvr.eval.tasks import EvalTask, Example, get_task, load_examples, read_records
from rlvr.generation import Completion, Engine, Request, Sampler, make_engine
from rlvr.rollouts import Record, RolloutWriter, iter_rollouts, static_batches
from rlvr.seeding import request_seed
from rlvr.tasks.registry import prompt_format
from rlvr.verdict import is_failure
from rlvr.verifiers.base import Verifier

COMPLETIONS = "completions.jsonl"
# Running time totals, saved after every chunk, so that a resumed run reports the whole run.
TIMING = "timing.json"
# Settings that may change between an interrupted run and its --resume: the limit (a resumed run
# may cover more prompts) and the chunk size (each request has its own seed, so how many prompts
# are generated at once never changes a completion), and the extraction configs compared (they
# only score). Any other change is refused.
RESUMABLE_CHANGES = ("resume", "limit", "chunk_size", "compare")
# Generated chunks that may wait for verification before generation waits for the verifier.
MAX_PENDING_CHUNKS = 4


@dataclass(frozen=True)
class EvalConfig:
    """Everything that defines a run; stored in config.json and summary.json."""

    model: str
    task: str
    output: str
    backend: str = "vllm"
    k: tuple[int, ...] = (1, 2, 4, 8, 16)
    n: int = 16
    temperature: float = 1.0
    top_p: float = 0.95
    top_k: int = -1
    max_tokens: int | None = None  # None: the task's own budget (4096 for competition math)
    shots: int = 0
    prompt_format: str | None = None
    chat_template: str = "auto"
    stop: tuple[str, ...] | None = None
    data: str | None = None
    fewshot_data: str | None = None
    split: str | None = None
    limit: int | None = None
    seed: int = 0
    tensor_parallel_size: int = 1
    data_parallel_size: int = 1
    chunk_size: int = 32
    verifier_options: dict[str, Any] = field(default_factory=dict)
    backend_options: dict[str, Any] = field(default_factory=dict)
    # Extraction configs scored side by side with the run's (e.g. ({"mode": "strict"},)): the
    # summary's "extractions" (rlvr.eval.extractions).
    compare: tuple[dict[str, Any], ...] = ()
    resume: bool = False
    custom: CustomTask | None = None  # a task defined by field names (`--task custom`, `--task-file`)

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"n must be at least 1, got {self.n}")
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, got {self.chunk_size}")
        if self.limit is not None and self.limit < 1:
            raise ValueError(f"limit must be at least 1, got {self.limit}")
        too_big = [k for k in self.k if k > self.n]
        if too_big:
            valid = ",".join(str(k) for k in self.k if k <= self.n)
            raise ValueError(
                f"k={','.join(map(str, too_big))} exceeds n={self.n} samples per prompt: pass@k needs k <= n; "
                f"valid k: 1..{self.n}{f' (of those given: {valid})' if valid else ''}"
            )

    def eval_task(self) -> EvalTask:
        """The task this run evaluates: the custom one when given, else the built-in `task`."""
        return self.custom.eval_task() if self.custom is not None else get_task(self.task)


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a run: the records written so far are kept, and --resume continues."""

    def __init__(self, saved: int, total: int, output: str) -> None:
        super().__init__(f"{saved} of {total} prompts saved in {output}; continue with --resume")
        self.saved, self.total, self.output = saved, total, output

    def __str__(self) -> str:
        return str(self.args[0])


def build_prompts(config: EvalConfig, examples: Sequence[Example]) -> tuple[list[str], tuple[str, ...]]:
    """The raw (pre-chat-template) prompt of every example and the stop sequences in force."""
    task = config.eval_task()
    fmt = prompt_format(config.prompt_format or task.prompt_format)
    pool = read_records(config.fewshot_data) if config.fewshot_data else None
    stops = tuple(config.stop) if config.stop is not None else fmt.stops
    if fmt.shots_for is not None and config.shots:
        if pool is None:
            raise ValueError(f"prompt format {fmt.name!r} needs --fewshot-data for {config.shots} shots")
        return [fmt.render(e.doc, fmt.shots_for(e.doc, pool, config.shots)) for e in examples], stops
    shots = fewshot_examples(fmt, config.shots, pool)
    return [fmt.render(e.doc, shots) for e in examples], stops


def make_record(
    example: Example,
    prompt: str,
    generations: Sequence[Completion],
    seeds: Sequence[int],
    verdicts: Sequence[Any],
    source: str,
) -> Record:
    """A rollout record for one prompt (see rlvr.rollouts), with the data's strata fields."""
    responses = []
    for generation, seed, verdict in zip(generations, seeds, verdicts):
        meta: dict[str, Any] = {
            "num_tokens": generation.num_tokens,
            "logprob": generation.logprob,
            "seed": seed,
            "reason": verdict.reason,
            "extracted": verdict.extracted,
            "detail": verdict.detail,
        }
        if "form" in verdict.detail:
            meta["form"] = verdict.detail["form"] or "none"
        responses.append(
            {
                "text": generation.text,
                "score": verdict.score,
                "correct": verdict.correct,
                "finish_reason": generation.finish_reason,
                "metadata": meta,
            }
        )
    return {
        "id": example.id,
        "prompt": prompt,
        "ground_truth": example.ground_truth,
        "responses": responses,
        "source": source,
        **example.fields,
    }


def _verify_chunk(
    verifier: Verifier,
    examples: Sequence[Example],
    prompts: Sequence[str],
    generations: Sequence[Completion],
    seeds: Sequence[int],
    n: int,
    source: str,
) -> tuple[list[Record], float]:
    started = time.perf_counter()
    truths = [e.ground_truth for e in examples for _ in range(n)]
    verdicts = verifier.verify_batch([g.text for g in generations], truths)
    records = [
        make_record(
            e, p, generations[i * n : (i + 1) * n], seeds[i * n : (i + 1) * n], verdicts[i * n : (i + 1) * n], source
        )
        for i, (e, p) in enumerate(zip(examples, prompts))
    ]
    return records, time.perf_counter() - started


def _prepare_output(config: EvalConfig) -> set[str]:
    """Create the output folder; on resume, check the config matches and return the done ids."""
    out = Path(config.output)
    out.mkdir(parents=True, exist_ok=True)
    completions, config_path = out / COMPLETIONS, out / "config.json"
    stored = {k: v for k, v in json.loads(json.dumps(asdict(config))).items() if k not in RESUMABLE_CHANGES}
    if not _holds_a_record(completions):
        # A run that failed before its first completion (a server not up, a bad model) left
        # nothing to keep: the same command starts it again.
        config_path.write_text(json.dumps(stored, indent=2))
        return set()
    if not config.resume:
        raise FileExistsError(f"{completions} exists: pass --resume to continue that run, or choose another --output")
    previous = json.loads(config_path.read_text())
    changed = sorted(k for k in set(previous) | set(stored) if previous.get(k) != stored.get(k))
    if changed:
        raise ValueError(f"--resume with different settings than the run in {out}: {changed}")
    _drop_partial_last_line(completions)
    return {str(r["id"]) for r in iter_rollouts(completions)}


def _holds_a_record(path: Path) -> bool:
    """Whether `path` exists and holds at least one whole record (a line with its newline)."""
    if not path.exists():
        return False
    with path.open("rb") as handle:
        return any(line.endswith(b"\n") for line in handle)


def rejudge_failures(path: Path, verifier: Verifier) -> int:
    """Verify again every saved response whose verdict could not judge (rlvr.FAILURE_REASONS)
    and rewrite `path` with the new verdicts (through a temporary file, so an interruption keeps
    the old one). Returns how many responses were judged again."""
    records = list(iter_rollouts(path))
    targets = [
        (record, response)
        for record in records
        for response in record["responses"]
        if is_failure((response.get("metadata") or {}).get("reason", "ok"))
    ]
    if not targets:
        return 0
    verdicts = verifier.verify_batch([r["text"] for _, r in targets], [record["ground_truth"] for record, _ in targets])
    for (_, response), verdict in zip(targets, verdicts):
        response.update(score=verdict.score, correct=verdict.correct)
        response["metadata"].update(reason=verdict.reason, extracted=verdict.extracted, detail=verdict.detail)
    temporary = path.with_suffix(".rejudged.tmp")
    with RolloutWriter(temporary, append=False) as writer:
        for record in records:
            writer.write(record)
    temporary.replace(path)
    return len(targets)


def _drop_partial_last_line(path: Path) -> None:
    """A run killed mid-write leaves a last line without its newline: it is redone, and said so."""
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        keep = data.rfind(b"\n") + 1
        print(
            f"rlvr-eval: {path}: dropping an incomplete last record ({len(data) - keep} bytes); it is generated again"
        )
        path.write_bytes(data[:keep])


def run_eval(config: EvalConfig, backend: Engine | None = None) -> dict[str, Any]:
    """Run the evaluation `config` describes and return its summary (also in summary.json).

    `backend` may be passed in (already loaded); otherwise one is built from the config.
    """
    task = config.eval_task()
    max_tokens = config.max_tokens if config.max_tokens is not None else task.max_tokens
    config = replace(config, max_tokens=max_tokens)
    examples = load_examples(task, config.data, config.split, config.limit)
    raw_prompts, stops = build_prompts(config, examples)
    done = _prepare_output(config)
    todo = [(e, p) for e, p in zip(examples, raw_prompts) if e.id not in done]
    options = {**task.verifier_options, **config.verifier_options}
    verifier = rlvr.get_verifier(task.verifier, **options)
    for compared in config.compare:  # a misspelt config fails now, not after the generation
        rlvr.get_verifier(task.verifier, **{**options, **compared})
    if done:
        rejudged = rejudge_failures(Path(config.output) / COMPLETIONS, verifier)
        if rejudged:
            print(f"rlvr-eval: --resume judged {rejudged} saved verdicts that could not judge again")
    sampling = Sampler(config.temperature, config.top_p, config.top_k, max_tokens, stops)
    own_backend = backend is None
    if backend is None:
        options = dict(config.backend_options)
        if config.backend == "vllm":
            options.update(
                tensor_parallel_size=config.tensor_parallel_size,
                data_parallel_size=config.data_parallel_size,
                seed=config.seed,
            )
        backend = make_engine(config.backend, config.model, config.chat_template, **options)
    timing = _start_timing(Path(config.output), resumed=bool(done))
    started, previous_wall = time.perf_counter(), timing["wall_s"]
    correct = samples = failed = 0
    saved = len(done)
    try:
        with (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="rlvr-eval-verify") as verify_pool,
            RolloutWriter(Path(config.output) / COMPLETIONS) as writer,
            tqdm(total=len(examples), initial=len(done), desc=f"{config.task} ({backend.name})", unit="prompt") as bar,
        ):
            pending: deque[Future] = deque()

            def collect(keep: int) -> None:
                """Write every finished chunk, and wait until at most `keep` are still pending."""
                nonlocal correct, samples, failed, saved
                while pending and (len(pending) > keep or pending[0].done()):
                    records, seconds = pending.popleft().result()
                    timing["verification_s"] += seconds
                    for record in records:
                        writer.write(record)
                        correct += sum(r["correct"] for r in record["responses"])
                        failed += sum(is_failure(r["metadata"]["reason"]) for r in record["responses"])
                        samples += len(record["responses"])
                    saved += len(records)
                    timing["wall_s"] = previous_wall + time.perf_counter() - started
                    _save_timing(Path(config.output), timing)
                    bar.update(len(records))
                    bar.set_postfix(
                        acc=f"{correct / max(samples, 1):.3f}",
                        failed=failed,
                        tok_s=f"{timing['generated_tokens'] / max(timing['generation_s'], 1e-9):.0f}",
                    )

            for chunk in static_batches(todo, config.chunk_size):
                prompts = [backend.format_prompt(p) for _, p in chunk]
                requests = [
                    Request(e.id, j, prompt, request_seed(config.seed, e.id, j))
                    for (e, _), prompt in zip(chunk, prompts)
                    for j in range(config.n)
                ]
                t0 = time.perf_counter()
                generations = backend.generate(requests, sampling)
                timing["generation_s"] += time.perf_counter() - t0
                timing["generated_tokens"] += sum(g.num_tokens for g in generations)
                seeds = [r.seed for r in requests]
                pending.append(
                    verify_pool.submit(
                        _verify_chunk,
                        verifier,
                        [e for e, _ in chunk],
                        prompts,
                        generations,
                        seeds,
                        config.n,
                        config.task,
                    )
                )
                collect(keep=MAX_PENDING_CHUNKS)
            tail = time.perf_counter()
            collect(keep=0)
            timing["verification_tail_s"] += time.perf_counter() - tail
        versions = {
            "rlvr": rlvr.__version__,
            **backend.versions(),
            "verifier": {"task": task.verifier, "options": verifier.describe_options()},
        }
    except KeyboardInterrupt:
        raise Interrupted(saved, len(examples), config.output) from None
    finally:
        if own_backend:
            backend.close()
    records = list(iter_rollouts(Path(config.output) / COMPLETIONS))
    timing["wall_s"] = previous_wall + time.perf_counter() - started
    # Counted from every saved record, so a resumed run's figure covers the whole run.
    timing["generated_tokens"] = sum(r["metadata"]["num_tokens"] for record in records for r in record["responses"])
    timing["tokens_per_s"] = timing["generated_tokens"] / timing["generation_s"] if timing["generation_s"] else None
    _save_timing(Path(config.output), timing)
    header = {"config": asdict(config), "versions": versions, "timing": timing}
    if config.compare:
        header["extractions"] = compare_extractions(records, task.verifier, options, [{}, *config.compare])
    return write_results(Path(config.output), records, config.k, header, task.strata or metrics.STRATA_FIELDS)


def _start_timing(out: Path, resumed: bool) -> dict[str, Any]:
    """Time totals to continue from: the interrupted run's on --resume, zeros otherwise."""
    timing: dict[str, Any] = {
        "generation_s": 0.0,
        "verification_s": 0.0,
        "verification_tail_s": 0.0,
        "generated_tokens": 0,
        "wall_s": 0.0,
        "sessions": 0,
    }
    if resumed and (out / TIMING).exists():
        timing.update(json.loads((out / TIMING).read_text()))
    timing["sessions"] += 1
    return timing


def _save_timing(out: Path, timing: dict[str, Any]) -> None:
    (out / TIMING).write_text(json.dumps(timing, indent=2))


def write_results(
    out: Path,
    records: Sequence[Record],
    ks: Sequence[int],
    header: dict[str, Any],
    strata_fields: Sequence[str] = metrics.STRATA_FIELDS,
) -> dict[str, Any]:
    """Write summary.json and per_prompt.jsonl for `records`; return the summary."""
    summary = summarize_run(records, ks, header, strata_fields)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    with open(out / "per_prompt.jsonl", "w", encoding="utf-8") as handle:
        for row in metrics.per_prompt(records, strata_fields):
            handle.write(json.dumps(row) + "\n")
    return summary


def summarize_run(
    records: Sequence[Record],
    ks: Sequence[int],
    header: dict[str, Any],
    strata_fields: Sequence[str] = metrics.STRATA_FIELDS,
) -> dict[str, Any]:
    """The summary of a run: `header`, metrics and strata, and `warnings`, which are printed to
    stderr as well (more than 1% of verdicts that could not judge, say)."""
    summary = {
        **header,
        "metrics": metrics.summarize(records, ks),
        "strata": metrics.strata(records, ks, strata_fields),
    }
    warning = metrics.failure_warning(summary["metrics"])
    summary["warnings"] = [warning] if warning else []
    for line in summary["warnings"]:
        print(f"rlvr-eval: {line}", file=sys.stderr)
    return summary
