"""Multiple-choice extraction throughput on 6,774 real DeepSeek MMLU-Pro responses, side by side
with the peers a user would pick: lm-eval's mmlu_pro "custom-extract" filter (its regex and
take_first, configured from the installed task YAML) and the MMLU-Pro benchmark's own three-step
extractor (rlvr's mode="reference"). items/s = 6774 / mean time of one round.

    python -m pytest benchmarks/bench_mcq.py --benchmark-enable
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path

import pytest
from shared_data import data_file

import rlvr


@cache
def responses() -> tuple[list[str], list[dict]]:
    with gzip.open(data_file("mmlu_pro/deepseek_responses_dev.jsonl.gz"), "rt") as handle:
        rows = [json.loads(line) for line in handle]
    return [r["response"] for r in rows], [{"answer": r["answer"], "options": r["options"]} for r in rows]


def lm_eval_mmlu_pro_filter():
    """lm-eval's mmlu_pro filter chain, built from its installed template YAML."""
    import lm_eval.tasks
    import yaml
    from lm_eval.filters.extraction import RegexFilter
    from lm_eval.filters.selection import TakeFirstFilter

    class Loader(yaml.SafeLoader):
        """Reads the template's "!function" tags as nothing: only its filter list is needed."""

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    template = Path(lm_eval.tasks.__file__).parent / "mmlu_pro" / "_default_template_yaml"
    steps = yaml.load(template.read_text(), Loader=Loader)["filter_list"][0]["filter"]
    return RegexFilter(regex_pattern=steps[0]["regex_pattern"]), TakeFirstFilter()


@pytest.mark.parametrize("mode", ["flexible", "reference", "strict"])
def test_rlvr_mcq(benchmark, mode):
    completions, truths = responses()
    verifier = rlvr.get_verifier("mcq", mode=mode)
    verdicts = benchmark(verifier.verify_batch, completions, truths)
    assert not any(v.failed for v in verdicts)


def test_lm_eval_mmlu_pro_filter(benchmark):
    completions, _ = responses()
    regex, take_first = lm_eval_mmlu_pro_filter()

    def run() -> list[str]:
        return [r[0] for r in take_first.apply(regex.apply([[c] for c in completions], [{}] * len(completions)), [])]

    extracted = benchmark(run)
    assert len(extracted) == len(completions)
