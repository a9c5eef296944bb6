"""The `rlvr-eval` command line: pass-at-k, greedy, score, report.

rlvr-eval greedy --model PATH --task gsm8k --data ../shared/data/gsm8k/test.jsonl --output runs/base
rlvr-eval pass-at-k --model PATH --task math500 --n 16 --k 1,4,16 --data ... --output runs/ckpt
rlvr-eval score --task gsm8k --completions runs/base/completions.jsonl --verifier-option mode=strict
rlvr-eval report runs/base runs/ckpt
rlvr-eval greedy --model PATH --task custom --data heldout.jsonl --prompt-field problem --answer-field answer \
    --verifier math --output runs/heldout        (or --task-file heldout.yaml; see docs/eval.md)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from rlvr.eval.custom import CustomTask, load_task_file
from rlvr.eval.prompts import FORMATS
from rlvr.eval.tasks import TASKS

EPILOG = "Run `rlvr-eval SUBCOMMAND --help` for the options of each subcommand."


def parse_ks(text: str) -> tuple[int, ...]:
    try:
        ks = tuple(sorted({int(k) for k in text.split(",") if k.strip()}))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--k takes comma-separated integers, got {text!r}") from None
    if not ks or ks[0] < 1:
        raise argparse.ArgumentTypeError(f"--k values must be at least 1, got {text!r}")
    return ks


def parse_options(items: Sequence[str] | None) -> dict[str, Any]:
    """key=value pairs; each value is read as JSON when it parses (numbers, true, lists), else
    kept as a string: `mode=strict`, `timeout=5`, `stop=["Q:"]`."""
    options: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise argparse.ArgumentTypeError(f"options take key=value, got {item!r}")
        try:
            options[key] = json.loads(value)
        except ValueError:
            options[key] = value
    return options


def _budget_help() -> str:
    """The per-task default generation budgets, for --max-tokens' help."""
    budgets: dict[int, list[str]] = {}
    for name, task in sorted(TASKS.items()):
        budgets.setdefault(task.max_tokens, []).append(name)
    listed = "; ".join(f"{tokens} for {', '.join(names)}" for tokens, names in sorted(budgets.items(), reverse=True))
    return (
        "generation budget per sample; the truncation rate is reported "
        f"(default: the task's own: {listed}; a custom task's max_tokens, else 1024)"
    )


def _add_task_arguments(parser: argparse.ArgumentParser, scoring: bool) -> None:
    """--task or --task-file, and the field names of a custom task."""
    task = parser.add_argument_group("task (a built-in one, or any data file with --task custom or --task-file)")
    if scoring:
        task.add_argument("--task", help="evaluation task (gsm8k, aime24, ...), verifier task, or custom")
    else:
        task.add_argument("--task", choices=[*sorted(TASKS), "custom"], help="evaluation task")
    task.add_argument("--task-file", help="YAML/JSON task file defining a custom task (see docs/eval.md)")
    task.add_argument("--answer-field", help="custom task: the field holding the ground truth")
    task.add_argument("--verifier", help="custom task: the verifier that scores it (math, gsm8k, mbpp, ...)")
    task.add_argument("--id-field", help="custom task: the field holding a unique id (default: the record's position)")
    task.add_argument(
        "--strata-field", action="append", help="custom task: report accuracy by this field too (repeatable)"
    )
    if scoring:
        task.add_argument(
            "--response-field",
            help="score any records file: the field holding the completion (a string or a list of strings), "
            "instead of rollout records' responses",
        )
    else:
        task.add_argument("--prompt-field", help="custom task: the field holding the prompt, used as it is")
        task.add_argument(
            "--prompt-template",
            help=r"custom task: the prompt from named fields, e.g. 'Question: {problem}\nAnswer:' (\n is a newline)",
        )


def custom_task(args: argparse.Namespace) -> CustomTask | None:
    """The custom task the options define (None for a built-in task); ValueError when the
    task options do not fit together."""
    names = ("answer_field", "verifier", "id_field", "strata_field", "prompt_field", "prompt_template")
    given = [name for name in names if getattr(args, name, None) is not None]
    flags = ["--" + name.replace("_", "-") for name in given]
    if args.task_file is not None:
        if args.task is not None or given:
            raise ValueError(
                f"--task-file defines the task: drop {', '.join(['--task'] * (args.task is not None) + flags)}"
            )
        return load_task_file(args.task_file)
    if args.task is None:
        raise ValueError("choose a task: --task NAME, --task custom with field options, or --task-file FILE")
    if args.task != "custom":
        if given:
            raise ValueError(f"{', '.join(flags)} define a custom task: use them with --task custom")
        return None
    if args.answer_field is None or args.verifier is None:
        raise ValueError("--task custom needs --answer-field and --verifier (and --prompt-field or --prompt-template)")
    template = getattr(args, "prompt_template", None)
    return CustomTask(
        data=getattr(args, "data", None),
        answer_field=args.answer_field,
        verifier=args.verifier,
        prompt_field=getattr(args, "prompt_field", None),
        # Shells pass "\n" as two characters; a template means a newline by it.
        prompt_template=template.replace("\\n", "\n") if template is not None else None,
        id_field=args.id_field,
        strata_fields=tuple(args.strata_field or ()),
    )


def _add_generation_arguments(parser: argparse.ArgumentParser, greedy: bool) -> None:
    model = parser.add_argument_group("model and backend")
    model.add_argument(
        "--model", required=True, help="checkpoint directory or hub id (for --backend openai: the served model name)"
    )
    model.add_argument(
        "--backend",
        choices=["vllm", "hf", "openai"],
        default="vllm",
        help="vllm (default), hf (transformers, CPU fallback) or openai (an OpenAI-compatible server)",
    )
    model.add_argument(
        "--tensor-parallel-size", type=int, default=1, help="vLLM tensor parallelism (GPUs per model copy)"
    )
    model.add_argument("--data-parallel-size", type=int, default=1, help="vLLM data parallelism (model copies)")
    model.add_argument(
        "--backend-option",
        action="append",
        metavar="KEY=VALUE",
        help="passed to the backend: vLLM engine arguments (dtype=float32, enforce_eager=true), "
        "hf batch_size/dtype/device, openai base_url/concurrency",
    )
    _add_task_arguments(parser, scoring=False)
    data = parser.add_argument_group("data and prompts")
    data.add_argument(
        "--data",
        help="data file: JSONL, JSON, CSV or Parquet, in the upstream format for a built-in task "
        "(default: the task file's data, else the Hugging Face hub: pip install 'rlvr[hub]', needs network)",
    )
    data.add_argument("--split", help="split (MBPP: test/validation/train/prompt by task_id; hub split otherwise)")
    data.add_argument("--limit", type=int, help="evaluate only the first N examples")
    data.add_argument("--shots", type=int, default=0, help="few-shot exemplars (default 0)")
    data.add_argument(
        "--fewshot-data",
        help="records to draw few-shot exemplars from (for --prompt-format gsm8k: GSM8K's train split)",
    )
    data.add_argument(
        "--prompt-format", choices=sorted(FORMATS), help="prompt format (default: the task's standard one)"
    )
    data.add_argument(
        "--chat-template",
        choices=["auto", "on", "off"],
        default="auto",
        help="auto: only when the tokenizer has one (chat models)",
    )
    data.add_argument("--stop", action="append", help="stop sequence (repeatable; replaces the format's defaults)")
    sampling = parser.add_argument_group("sampling")
    if not greedy:
        sampling.add_argument(
            "--k",
            type=parse_ks,
            default=(1, 2, 4, 8, 16),
            help="comma-separated k for pass@k (default 1,2,4,8,16; k > n are left out)",
        )
        sampling.add_argument("--n", type=int, default=16, help="samples per prompt (default 16)")
        sampling.add_argument("--temperature", type=float, default=1.0)
        sampling.add_argument("--top-p", type=float, default=0.95)
        sampling.add_argument("--top-k", type=int, default=-1, help="-1: no top-k cut")
    sampling.add_argument("--max-tokens", type=int, help=_budget_help())
    sampling.add_argument(
        "--seed",
        type=int,
        default=0,
        help="run seed; every request gets its own seed from (seed, prompt id, sample index)",
    )
    run = parser.add_argument_group("scoring and output")
    run.add_argument(
        "--verifier-option", action="append", metavar="KEY=VALUE", help="verifier option, e.g. mode=strict or timeout=5"
    )
    run.add_argument(
        "--output", required=True, help="output directory (summary.json, completions.jsonl, per_prompt.jsonl)"
    )
    run.add_argument("--resume", action="store_true", help="continue an interrupted run in --output")
    run.add_argument(
        "--chunk-size",
        type=int,
        default=32,
        help="prompts generated per chunk; a chunk is verified while the next one generates",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rlvr-eval",
        description="Evaluate a model with the rlvr verifiers: greedy accuracy and unbiased pass@k, "
        "with breakdowns by level/subject/difficulty, truncation and format rates.",
        epilog=EPILOG,
    )
    commands = parser.add_subparsers(dest="command", title="subcommands", metavar="SUBCOMMAND")
    pass_k = commands.add_parser(
        "pass-at-k",
        help="sample n completions per prompt and report pass@k",
        description="Sample n completions per prompt and report unbiased pass@k.",
    )
    _add_generation_arguments(pass_k, greedy=False)
    greedy = commands.add_parser(
        "greedy",
        help="one greedy completion per prompt (temperature 0, n=1)",
        description="One greedy completion per prompt (temperature 0, n=1).",
    )
    _add_generation_arguments(greedy, greedy=True)
    score = commands.add_parser(
        "score",
        help="(re)score saved completions, no model needed",
        description="Verify saved completions (rollout JSONL with ground_truth and responses) and print a summary.",
    )
    _add_task_arguments(score, scoring=True)
    score.add_argument(
        "--completions", required=True, help="completions.jsonl of a run, or any rollout JSONL with ground_truth"
    )
    score.add_argument(
        "--verifier-option", action="append", metavar="KEY=VALUE", help="verifier option, e.g. mode=strict"
    )
    score.add_argument("--k", type=parse_ks, default=(1, 2, 4, 8, 16), help="k for pass@k (default 1,2,4,8,16)")
    score.add_argument("--output", help="write the rescored completions, summary.json and per_prompt.jsonl here")
    report = commands.add_parser(
        "report",
        help="print or compare saved runs and plot them",
        description="Print saved runs side by side (deltas against the first) and write PNG plots.",
    )
    report.add_argument("runs", nargs="+", metavar="DIR", help="rlvr-eval output directories")
    report.add_argument("--plot-dir", help="where the PNG plots go (default: the first run's directory)")
    return parser


def _run_generation(args: argparse.Namespace) -> dict[str, Any]:
    from rlvr.eval.runner import EvalConfig, run_eval

    greedy = args.command == "greedy"
    custom = custom_task(args)
    config = EvalConfig(
        model=args.model,
        task=custom.name if custom is not None else args.task,
        output=args.output,
        backend=args.backend,
        k=(1,) if greedy else args.k,
        n=1 if greedy else args.n,
        temperature=0.0 if greedy else args.temperature,
        top_p=1.0 if greedy else args.top_p,
        top_k=-1 if greedy else args.top_k,
        max_tokens=args.max_tokens,
        shots=args.shots,
        prompt_format=args.prompt_format,
        chat_template=args.chat_template,
        stop=tuple(args.stop) if args.stop else None,
        data=args.data,
        fewshot_data=args.fewshot_data,
        split=args.split,
        limit=args.limit,
        seed=args.seed,
        tensor_parallel_size=args.tensor_parallel_size,
        data_parallel_size=args.data_parallel_size,
        chunk_size=args.chunk_size,
        verifier_options=parse_options(args.verifier_option),
        backend_options=parse_options(args.backend_option),
        resume=args.resume,
        custom=custom,
    )
    return run_eval(config)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    from rlvr.eval.report import format_table, report

    try:
        if args.command in ("pass-at-k", "greedy"):
            summary = _run_generation(args)
            print(format_table([(args.output, summary)]))
        elif args.command == "score":
            from rlvr.eval.score import score_file

            task = custom_task(args) or args.task
            options = parse_options(args.verifier_option)
            summary = score_file(args.completions, task, options, args.k, args.output, args.response_field)
            print(format_table([(args.completions, summary)]))
        else:
            table, plots = report(args.runs, args.plot_dir)
            print(table)
            print("plots: " + ", ".join(str(p) for p in plots))
    except (ValueError, FileNotFoundError, FileExistsError, argparse.ArgumentTypeError) as exc:
        print(f"rlvr-eval: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
