"""`rlvr-eval report`: print saved runs side by side (deltas against the first) and plot them.

Plots (matplotlib, PNG): pass@k against k for every run, and accuracy (pass@1) by level for
the runs whose data has levels, because curves are compared faster than tables. Without
matplotlib (the `eval` extra) the table is printed all the same, and the plots are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

Run = tuple[str, dict[str, Any]]


def load_run(directory: str | Path) -> Run:
    """(name, summary) of a run directory holding summary.json."""
    path = Path(directory) / "summary.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: is {directory} an rlvr-eval output directory?")
    return Path(directory).name or str(directory), json.loads(path.read_text())


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def metric_rows(summary: dict[str, Any]) -> dict[str, Any]:
    """The flat metric name -> value rows shown for one run."""
    m = summary["metrics"]
    rows: dict[str, Any] = {"prompts": m["num_prompts"], "samples": m["num_samples"]}
    rows.update({f"pass@{k}": v for k, v in m["pass@k"].items()})
    rows.update(
        {
            name: m.get(name)
            for name in (
                "mean_score",
                "failure_rate",
                "truncation_rate",
                "mean_completion_tokens",
                "verification_coverage",
            )
        }
    )
    rows.update({f"format[{form}]": share for form, share in m.get("format_rates", {}).items()})
    rows.update({f"reason[{reason}]": count for reason, count in m.get("reasons", {}).items()})
    for field, groups in summary.get("strata", {}).items():
        rows.update({f"{field}={value}": group["pass@1"] for value, group in groups.items()})
    # A rescored run shows the generating run's timing and the rescoring's.
    timing = {**(summary.get("timing") or {}), **(summary.get("rescoring", {}).get("timing") or {})}
    rows.update(
        {name: timing[name] for name in ("tokens_per_s", "responses_per_s", "wall_s") if timing.get(name) is not None}
    )
    return rows


def format_table(runs: Sequence[Run]) -> str:
    """A text table: one row per metric, one column per run, then a delta column per later
    run (its value minus the first run's) for numeric rows."""
    columns = [metric_rows(summary) for _, summary in runs]
    names = list(dict.fromkeys(name for column in columns for name in column))
    header = ["metric"] + [name for name, _ in runs] + [f"delta {name}" for name, _ in runs[1:]]
    table = [header]
    for name in names:
        values = [column.get(name) for column in columns]
        deltas = [
            _fmt(v - values[0]) if isinstance(v, (int, float)) and isinstance(values[0], (int, float)) else "-"
            for v in values[1:]
        ]
        table.append([name] + [_fmt(v) for v in values] + deltas)
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in table)


def plot_pass_at_k(runs: Sequence[Run], path: str | Path) -> Path:
    """pass@k against k (log2 axis) for every run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for name, summary in runs:
        curve = sorted((int(k), v) for k, v in summary["metrics"]["pass@k"].items() if v is not None)
        ax.plot([k for k, _ in curve], [v for _, v in curve], marker="o", label=name)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("k")
    ax.set_ylabel("pass@k")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)


def plot_by_level(runs: Sequence[Run], path: str | Path) -> Path | None:
    """Grouped bars of pass@1 by level, for the runs that have levels; None when none has."""
    with_levels = [(name, s["strata"]["level"]) for name, s in runs if "level" in s.get("strata", {})]
    if not with_levels:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    levels = sorted({level for _, groups in with_levels for level in groups})
    width = 0.8 / len(with_levels)
    fig, ax = plt.subplots(figsize=(7, 4))
    for i, (name, groups) in enumerate(with_levels):
        heights = [groups.get(level, {}).get("pass@1") or 0.0 for level in levels]
        ax.bar([x + i * width for x in range(len(levels))], heights, width, label=name)
    ax.set_xticks([x + width * (len(with_levels) - 1) / 2 for x in range(len(levels))], levels)
    ax.set_ylabel("pass@1")
    ax.set_ylim(0, 1)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)


def run_task(summary: dict[str, Any]) -> str | None:
    """The task a run was scored as: its rescoring's, else its generating run's."""
    return (summary.get("rescoring") or {}).get("task") or (summary.get("config") or {}).get("task")


def mixed_tasks(runs: Sequence[Run]) -> str | None:
    """A warning when the runs were scored as different tasks (their deltas compare unlike things)."""
    tasks = {name: run_task(summary) for name, summary in runs}
    if len(set(tasks.values())) < 2:
        return None
    return "the runs are of different tasks (" + ", ".join(f"{n}: {t}" for n, t in tasks.items()) + ")"


def can_plot() -> bool:
    """Whether matplotlib imports here (the `eval` extra)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def report(directories: Sequence[str | Path], plot_dir: str | Path | None = None) -> tuple[str, list[Path]]:
    """The comparison table of the runs in `directories`, and the PNG plots written to
    `plot_dir` (default: the first run's directory); no plots without matplotlib.

    >>> table, plots = report(["runs/base", "runs/ckpt"])  # doctest: +SKIP
    """
    runs = [load_run(d) for d in directories]
    if not can_plot():
        return format_table(runs), []
    target = Path(plot_dir or directories[0])
    target.mkdir(parents=True, exist_ok=True)
    plots = [plot_pass_at_k(runs, target / "pass_at_k.png")]
    level_plot = plot_by_level(runs, target / "accuracy_by_level.png")
    if level_plot is not None:
        plots.append(level_plot)
    return format_table(runs), plots
