"""The GRPO demo's documented figures, from one place: docs/figures/grpo_demo.json.

Every page that gives the demo's accuracy or time links to the block this script writes in
docs/reference/grpo.md (between the `demo-figures` markers), so pages cannot disagree; the curve
is docs/grpo_demo_curve.png. A test checks the block matches the JSON.

    python scripts/demo_figures.py --run                  # run the full demo (minutes), then write
    python scripts/demo_figures.py runs/grpo-demo         # write from a finished demo run's folder
    python scripts/demo_figures.py                        # rewrite the block from the JSON alone
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "docs" / "figures" / "grpo_demo.json"
CURVE = ROOT / "docs" / "grpo_demo_curve.png"
PAGE = ROOT / "docs" / "reference" / "grpo.md"
BEGIN, END = "<!-- demo-figures: begin (scripts/demo_figures.py writes this block) -->", "<!-- demo-figures: end -->"


def render(figures: dict[str, Any]) -> str:
    """The markdown block for `figures` (a demo_summary.json plus where it was measured)."""
    curve = ", ".join(f"{accuracy:.1%}".replace("%", "") for _, accuracy in figures["held_out_curve"])
    steps = figures["config"]["grpo_steps"]
    return "\n".join(
        [
            BEGIN,
            f"Measured ({figures['machine']}; `DemoConfig()` defaults, seed {figures['config']['seed']}, "
            f"{figures['config']['threads']} torch thread): held-out greedy accuracy "
            f"**{figures['held_out_accuracy_before']:.1%} after the warm start -> "
            f"{figures['held_out_accuracy_after']:.1%} after {steps} GRPO steps**, "
            f"{figures['wall_time_s']:.0f} s wall time in all ({figures['grpo_time_s']:.0f} s of GRPO steps, "
            f"{figures['sampled_tokens_per_s']:,.0f} sampled tokens/s). Held-out accuracy every "
            f"{figures['config']['eval_every']} steps (%): {curve}. `diagnose`: "
            + ("; ".join(figures["advice"]) or "no advice")
            + ".",
            END,
        ]
    )


def write_page(figures: dict[str, Any]) -> None:
    text = PAGE.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    PAGE.write_text(text[:start] + render(figures) + text[end:], encoding="utf-8")


def record(run_dir: Path, machine: str) -> dict[str, Any]:
    """Keep a finished full demo run's summary and curve as the documented figures."""
    figures = {**json.loads((run_dir / "demo_summary.json").read_text()), "machine": machine}
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(json.dumps(figures, indent=1) + "\n")
    shutil.copyfile(run_dir / "reward_curve.png", CURVE)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", nargs="?", type=Path, help="a finished `python -m rlvr.grpo.demo` output folder")
    parser.add_argument("--run", action="store_true", help="run the full demo first (several minutes on CPU)")
    parser.add_argument(
        "--machine", default=f"{platform.machine()} CPU, 2 cores shared with other jobs", help="where it ran"
    )
    args = parser.parse_args()
    if args.run:
        from rlvr.grpo.demo import DemoConfig, run

        with tempfile.TemporaryDirectory() as folder:
            run(DemoConfig(), Path(folder))
            figures = record(Path(folder), args.machine)
    elif args.run_dir:
        figures = record(args.run_dir, args.machine)
    else:
        figures = json.loads(FIGURES.read_text())
    write_page(figures)
    print(render(figures))


if __name__ == "__main__":
    main()
