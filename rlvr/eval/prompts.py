"""Prompt formats that reproduce the standard ones (as lm-eval builds them), and chat templates.

A few-shot prompt is, as in lm-eval: for each shot `text(shot) + target_delimiter + target(shot)
+ "\\n\\n"`, then `text(doc)`. Formats:

    gsm8k         "Question: {question}\\nAnswer:"; shots are the first N records of the
                  `--fewshot-data` file (e.g. GSM8K's train split), never the evaluated data
    gsm8k_cot     "Q: {question}\\nA:"; shots are the 8 chain-of-thought exemplars (Wei et al.)
    minerva_math  "Problem:\\n{problem}\\n\\nSolution:"; shots are Minerva's 4 exemplars
    raw           the record's prompt as it is (IFEval, IFBench)
    mbpp          "You are an expert Python programmer, ... [BEGIN]\\n" with the 3 tests;
                  shots are MBPP tasks 2, 3 and 4, each ending in "[DONE]"
    humaneval     the function signature and docstring, to be continued
    apps          "\\nQUESTION:\\n{question}\\n{starter_code}\\n{format}\\nANSWER:\\n" (Hendrycks et al.)
    competition_math  "{problem}\\nPlease reason step by step, and put your final answer within
                  \\boxed{}." (the convention of DeepSeek-R1's and Qwen2.5-Math's evaluations);
                  reads `problem`, or `question` where the data names it so (AIME 2025, OlympiadBench)

A task defined by field names takes a template instead (`template_format`): "{field}" is the
record's field, "{{" and "}}" are literal braces, and any other brace (\\boxed{}) stays as it is.

Each format has default stop sequences (overridable with `--stop`). Chat templates are applied
by the generation engine (rlvr.generation.chat).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any


@lru_cache(maxsize=1)
def builtin_fewshot() -> dict[str, list[dict[str, Any]]]:
    """The standard exemplars shipped with rlvr (rlvr/eval/fewshot.json)."""
    return json.loads((Path(__file__).with_name("fewshot.json")).read_text(encoding="utf-8"))


def _mbpp_text(doc: dict[str, Any]) -> str:
    tests = "\n".join(doc["test_list"][:3])
    task = doc.get("text") or doc.get("prompt")
    return (
        f"You are an expert Python programmer, and here is your task: {task} "
        f"Your code should pass these tests:\n\n{tests}\n[BEGIN]\n"
    )


def _apps_text(doc: dict[str, Any]) -> str:
    starter = doc.get("starter_code") or ""
    io = doc.get("input_output")
    io = json.loads(io) if isinstance(io, str) and io else (io or {})
    mode = "Use Call-Based format" if io.get("fn_name") or starter else "Use Standard Input format"
    return f"\nQUESTION:\n{doc['question']}\n{starter}\n{mode}\nANSWER:\n"


COMPETITION_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."


def _competition_text(doc: dict[str, Any]) -> str:
    problem = doc["problem"] if doc.get("problem") is not None else doc["question"]
    return f"{problem}\n{COMPETITION_INSTRUCTION}"


@dataclass(frozen=True)
class PromptFormat:
    """How one record becomes a prompt, and how a few-shot exemplar is shown."""

    name: str
    text: Callable[[dict[str, Any]], str]
    target: Callable[[dict[str, Any]], str] | None
    stops: tuple[str, ...]
    target_delimiter: str = " "
    builtin_shots: str | None = None  # key in fewshot.json, when the format ships its exemplars
    # Text before the shots (MMLU-Pro's instruction naming the record's subject).
    header: Callable[[dict[str, Any]], str] | None = None
    # Which exemplars of the pool a record gets (MMLU-Pro: the first N of its own category);
    # None: the first N of the pool for every record.
    shots_for: Callable[[dict[str, Any], Sequence[dict[str, Any]], int], list[dict[str, Any]]] | None = None

    def render(self, doc: dict[str, Any], shots: Sequence[dict[str, Any]] = ()) -> str:
        target = self.target
        if shots and target is None:
            raise ValueError(f"prompt format {self.name!r} takes no few-shot examples")
        parts = [self.text(s) + self.target_delimiter + target(s) + "\n\n" for s in shots if target is not None]
        header = self.header(doc) if self.header is not None else ""
        return header + "".join(parts) + self.text(doc)


FORMATS: dict[str, PromptFormat] = {
    f.name: f
    for f in [
        PromptFormat(
            "gsm8k",
            lambda d: f"Question: {d['question']}\nAnswer:",
            lambda d: d["answer"],
            ("Question:", "</s>", "<|im_end|>"),
        ),
        PromptFormat(
            "gsm8k_cot",
            lambda d: f"Q: {d['question']}\nA:",
            lambda d: d["target"],
            ("Q:", "</s>", "<|im_end|>"),
            builtin_shots="gsm8k_cot",
        ),
        PromptFormat(
            "minerva_math",
            lambda d: "Problem:\n" + d["problem"] + "\n\nSolution:",
            lambda d: d["solution"],
            ("Problem:",),
            builtin_shots="minerva_math",
        ),
        PromptFormat("raw", lambda d: d["prompt"], None, ()),
        PromptFormat(
            "mbpp", _mbpp_text, lambda d: d["code"] + "\n[DONE]", ("[DONE]",), target_delimiter="", builtin_shots="mbpp"
        ),
        PromptFormat("humaneval", lambda d: d["prompt"], None, ("\nclass", "\ndef", "\n#", "\nif", "\nprint")),
        PromptFormat("apps", _apps_text, None, ()),
        PromptFormat("competition_math", _competition_text, None, ()),
    ]
}

# "{{", "}}", or "{name}" with a field name; other braces (LaTeX) are left alone.
_TEMPLATE_PART = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")


def template_fields(template: str) -> list[str]:
    """The record fields a prompt template names, in order.

    >>> template_fields("Question: {problem}\\nAnswer within \\\\boxed{}: {{not a field}}")
    ['problem']
    """
    return list(dict.fromkeys(m.group(1) for m in _TEMPLATE_PART.finditer(template) if m.group(1)))


def fill_template(template: str, doc: dict[str, Any]) -> str:
    """The template with each "{field}" replaced by the record's value.

    >>> fill_template("Q: {q}\\nA:", {"q": "1+1?"})
    'Q: 1+1?\\nA:'
    """

    def part(match: re.Match[str]) -> str:
        return str(doc[match.group(1)]) if match.group(1) else match.group(0)[0]

    return _TEMPLATE_PART.sub(part, template)


def template_format(template: str, stops: Sequence[str] = ()) -> PromptFormat:
    """A prompt format that fills `template` from each record (see `fill_template`)."""
    return PromptFormat("template", lambda doc: fill_template(template, doc), None, tuple(stops))


def fewshot_examples(
    fmt: PromptFormat, shots: int, pool: Sequence[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The first `shots` exemplars: the format's own when it ships them, else from `pool`
    (the records of `--fewshot-data`). Raises when too few are available, rather than
    silently running with fewer shots than asked."""
    if shots == 0:
        return []
    if fmt.builtin_shots is not None:
        available = builtin_fewshot()[fmt.builtin_shots]
    elif fmt.target is not None and pool is not None:
        available = list(pool)
    else:
        raise ValueError(f"prompt format {fmt.name!r} needs --fewshot-data for {shots} shots")
    if shots > len(available):
        raise ValueError(f"prompt format {fmt.name!r} has {len(available)} few-shot exemplars, {shots} asked")
    return available[:shots]
