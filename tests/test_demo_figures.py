"""The GRPO demo's documented figures come from one place (docs/figures/grpo_demo.json, written
by scripts/demo_figures.py), so the README and the docs cannot disagree about them."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("demo_figures", ROOT / "scripts" / "demo_figures.py")
assert spec is not None and spec.loader is not None
demo_figures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(demo_figures)

# An accuracy change as the pages write one ("39.5% -> 80.5%", "41% -> 82%").
ACCURACY_CHANGE = re.compile(r"\d+(\.\d+)?%[^%\n]{0,40}->\s*\**\d+(\.\d+)?%")


def test_the_figures_block_is_rendered_from_the_recorded_run():
    figures = json.loads(demo_figures.FIGURES.read_text())
    page = demo_figures.PAGE.read_text()
    assert demo_figures.render(figures) in page
    assert (
        figures["config"]["grpo_steps"] == 300
        and figures["held_out_curve"][-1][1] == figures["held_out_accuracy_after"]
    )


def test_no_other_page_states_the_demo_figures():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    block = re.compile(re.escape(demo_figures.BEGIN) + ".*?" + re.escape(demo_figures.END), re.S)
    for page in pages:
        text = block.sub("", page.read_text())
        assert not ACCURACY_CHANGE.search(text), (page, ACCURACY_CHANGE.search(text))
