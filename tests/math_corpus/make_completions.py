"""Writes completions.jsonl: labelled chain-of-thought completions in the styles of several model
families, on real problems (MATH-500, OlympiadBench) and on Omni-MATH-style answers.

    PYTHONPATH=. python tests/math_corpus/make_completions.py   (needs math-verify: it records its verdicts)
    PYTHONPATH=. python tests/math_corpus/record.py rlvr        (then: rlvr's verdicts for the per-row gate)

Each row: `source` (cot-math500, cot-olympiadbench, cot-omni), `case` (the style, below), `gold`,
`completion`, `label`, `math_verify` and `note` (the variant: what makes it right or wrong).
A completion's reasoning is the problem's reference solution, its final box unwrapped and its
concluding sentence dropped, dressed as the model family writes; the ending states an answer:

    correct        the gold answer as written
    equal_form     an equal answer in another form (decimal, \\dfrac, `x =`, spaces, thousands, order)
    near_miss      a wrong value close to the gold one (a digit off)
    other_answer   another problem's answer
    right_earlier  the gold value stated, then "wait", a wrong final value
    candidates     a list of candidates, the gold among them (not an answer)
    partial        one answer of a problem that has several
    truncated      cut off mid-solution: no final answer

Labels hold by construction, with no grader in the loop: an equal form is equal by how it is made,
and a wrong value (a digit changed, another problem's answer) is kept only when the construction's
truth can be checked: each side's items parse (sympy's latex2sympy, called directly), and their
values at a fixed point differ as multisets. A wrong value that cannot be checked is not used, so
rlvr's would-be false positives enter the corpus like any other row.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from math_data import (  # noqa: E402
    LabelledCase,
    math_verify_verdict,
    reasoning,
    reference_solution,
    referenced,
    rewritings,
)
from omni_style import OMNI_PROBLEMS  # noqa: E402
from shared_data import data_file  # noqa: E402

OUT = HERE / "completions.jsonl"
SEED = 13

STYLES = (
    "qwen_boxed",
    "qwen_multi_box",
    "r1_think",
    "llama_final",
    "gpt_markdown",
    "plain_text",
    "minerva",
    "check_after",
    "paren_delimiters",
    "restated",
    "conclusion",
)
VARIANTS = {  # variant: (label, weight)
    "correct": (True, 4),
    "equal_form": (True, 3),
    "near_miss": (False, 2),
    "other_answer": (False, 1),
    "right_earlier": (False, 2),
    "candidates": (False, 1),
}


def items_of(gold: str) -> list[str]:
    """The answers of a several-answer gold ("5, 15" -> ["5", "15"]); one item otherwise."""
    depth, start, items = 0, 0, []
    for k, char in enumerate(gold):
        depth += char in "({["
        depth -= char in ")}]"
        if char == "," and depth == 0 and not re.match(r",(?:\\[!,])?\s*\d{3}(?!\d)", gold[k:]):
            items.append(gold[start:k].strip())
            start = k + 1
    items.append(gold[start:].strip())
    return [item for item in items if item]


def near_miss(gold: str, rng: random.Random) -> str | None:
    """The gold with one digit changed ("\\frac{9}{32}" -> "\\frac{9}{33}"), or None without digits."""
    digits = [k for k, char in enumerate(gold) if char.isdigit()]
    if not digits:
        return None
    at = rng.choice(digits[-3:])
    return gold[:at] + str((int(gold[at]) + rng.choice((1, 2, 9))) % 10) + gold[at + 1 :]


_POINT = 0.3183  # where expressions with letters are evaluated (no special value of any usual function)


def item_values(answer: str) -> list[complex] | None:
    """The value of each item of `answer` (letters set to one fixed point), by latex2sympy
    directly; None when an item does not parse to a number there."""
    import sympy
    from latex2sympy2_extended import latex2sympy

    values = []
    for item in items_of(answer.replace("$", "")):
        try:
            expression = latex2sympy(item)
            if not isinstance(expression, sympy.Expr):
                return None
            value = complex(expression.subs({symbol: _POINT for symbol in expression.free_symbols}).evalf(30))
        except Exception:  # any parse or evaluation failure: the construction cannot be checked
            return None
        values.append(value)
    return values


def unequal(gold: str, value: str) -> bool:
    """Whether `value` is checkably a different answer from `gold`: every item of both evaluates,
    and the multisets of item values differ (beyond 1e-9 relative)."""
    ours, theirs = item_values(gold), item_values(value)
    if ours is None or theirs is None:
        return False
    if len(ours) != len(theirs):
        return True
    unmatched = list(theirs)
    for x in ours:
        match = next((y for y in unmatched if abs(x - y) <= 1e-9 * max(abs(x), abs(y), 1)), None)
        if match is None:
            return True
        unmatched.remove(match)
    return False


def math(value: str) -> str:
    return f"${value}$"


def plain(value: str) -> str:
    """A value as plain text when it is a plain number, else in $...$."""
    return value if re.fullmatch(r"-?[\d,.]+", value) else math(value)


def intro(problem: str, rng: random.Random) -> str:
    subject = problem.split(".")[0][:90].rstrip(",;:")
    return rng.choice(
        (
            "To solve this problem, we need to work through it step by step.",
            "Let's break the problem down.",
            f"We are asked about the following: {subject}.",
            "Let me think about this carefully.",
            "We start by understanding what is being asked.",
        )
    )


def steps(body: str, header: str) -> str:
    """The body's paragraphs as numbered steps under `header` ("## Step {k}: ")."""
    paragraphs = body.split("\n\n")
    names = ("Set up the problem", "Compute the key quantity", "Simplify", "Continue", "Combine the results")
    return "\n\n".join(
        header.format(k=k + 1, name=names[min(k, len(names) - 1)]) + "\n" + p for k, p in enumerate(paragraphs)
    )


# Endings per style: {B} is \\boxed{answer}, {M} $answer$, {P} the answer as plain text when it is a
# plain number (else $answer$), {A} the bare LaTeX.
ENDINGS = {
    "qwen_boxed": (
        "Thus, the final answer is \\({B}\\).",
        "Therefore, the answer is:\n\\[\n{B}\n\\]",
        "So the value we are looking for is ${B}$.",
        "Hence, the final answer is \\[ {B} \\]",
        "Putting everything together:\n\\[\n{B}\n\\]",
        "The answer is ${B}$.",
    ),
    "qwen_multi_box": ("The final answer is ${B}$.", "Therefore, the final answer is \\({B}\\)."),
    "r1_think": (
        "**Final Answer**\n{B}",
        "**Final Answer**\n\\[\n{B}\n\\]",
        "The final answer is \\({B}\\).",
        "**Final Answer**\nThe answer is ${B}$.",
    ),
    "llama_final": ("The final answer is: ${B}$", "The final answer is ${B}$."),
    "gpt_markdown": (
        "---\n\n### Final Answer\n\n**{M}**",
        "**Answer:** {M}",
        "So the answer is **{P}**.",
        "### Answer\n\nThe required value is **{P}**.",
        "✅ **Final answer: {M}**",
        "### Final Answer\n\\[\n{B}\n\\]",
        "**Final answer:** The value asked for is {M}.",
        "The answer is: **{M}**",
    ),
    "plain_text": (
        "Therefore, the answer is {P}.",
        "So the final answer is {P}.",
        "Thus, we get {P} as the answer.",
        "The answer is {P}.",
        "So the result is {P}.",
        "Hence the value is {P}.",
        "Answer: {P}",
        "**Answer:** {P}",
        "The answer is {P} since that is the only value that satisfies both conditions.",
        "So the final answer is {P}, which is what we wanted.",
        "**Therefore, the answer is {P}.**",
        "**Final Answer**\n\n{P}",
    ),
    "minerva": ("Final Answer: The final answer is {M}. I hope it is correct.",),
    "paren_delimiters": (
        "So the answer is \\( {A} \\).",
        "The final result is\n\\[\n{A}\n\\]",
        "Hence the answer is \\({A}\\).",
        "Therefore,\n\\[\n{B}\n\\]",
    ),
    "conclusion": (
        "Therefore, there are {P} such numbers.",
        "So, the smallest possible value is {P}.",
        "This means $n = {A}$.",
        "Hence the required value equals {M}, which completes the solution.",
        "Thus the value of the expression is {M}, as required.",
        "We conclude that the answer is {P} since every case has been checked.",
        "The answer is {P} because both conditions hold for it.",
        "So $x = {A}$ is the answer.",
        "Thus, the final result is {M}.\n\nThis agrees with the estimate above.",
    ),
    "restated": (
        "Putting it all together, the value asked for is {P}.",
        "Therefore the answer to the question is {P}.",
        "In conclusion, the answer is {P}.",
        "So the quantity in question equals {P}.",
    ),
}


def ending(style: str, answer: str, rng: random.Random) -> str:
    """The concluding lines of `style` stating `answer` (LaTeX)."""
    if style == "qwen_multi_box":
        items = items_of(answer)
        if len(items) > 1:
            boxes = [f"\\(\\boxed{{{item}}}\\)" for item in items]
            if rng.random() < 0.4 and all(re.fullmatch(r"-?[\d.]+", item) for item in items):
                boxes = [f"$x = \\boxed{{{item}}}$" for item in items]
            if rng.random() < 0.3:
                labels = "abcdefgh"
                return "\n\n".join(f"**({labels[k]})** $\\boxed{{{item}}}$" for k, item in enumerate(items[:8]))
            lead = rng.choice(("The solutions are ", "Therefore the answers are ", "So we get "))
            return lead + ", ".join(boxes[:-1]) + f" and {boxes[-1]}."
    items = items_of(answer)
    if style in ("conclusion", "plain_text") and len(items) > 1 and rng.random() < 0.5:
        spans = [math(item) for item in items]
        return rng.choice(("So the solutions are ", "Hence the possible values are ")) + (
            ", ".join(spans[:-1]) + f" and {spans[-1]}."
        )
    template = rng.choice(ENDINGS[style])
    return (
        template.replace("{B}", f"\\boxed{{{answer}}}")
        .replace("{M}", math(answer))
        .replace("{P}", plain(answer))
        .replace("{A}", answer)
    )


AFTERWORDS = (
    "\n\nI hope this helps!",
    "\n\nLet me know if you would like more detail on any step.",
    "\n\nThis matches the constraint that $n \\le 10$.",
    "\n\nNote: the other root, $-1$, is rejected because lengths are positive.",
)
CHECKS = (
    "\n\nCheck: substituting back, both sides agree, so the value is consistent.",
    "\n\nLet me verify: with $k = 2$ we get $2 + 3 = 5$, which matches the condition.",
    "\n\n(Quick check: $1 + 1 = 2$ ✓)",
    "\n\nVerification: for $n = 1$ the formula gives $1$, as it should.",
    "\n\nWe can double-check with a small case: for $n = 3$ there are $6$ arrangements, which matches.",
    "\n\n**Check:** plugging in $x = 0$ gives $f(0) = 1$, consistent with the setup.",
)


def completion(style: str, problem: str, body: str, answer: str, rng: random.Random) -> str:
    """A whole completion of `style`: intro, reasoning, the ending stating `answer`."""
    if style == "r1_think":
        return (
            f"<think>\nOkay, so I need to solve this. {intro(problem, rng)}\n\n{body}\n\n"
            f"Wait, let me double-check that. Yes, that seems right.\n</think>\n\n{body.split(chr(10))[0]}\n\n"
            + ending(style, answer, rng)
        )
    if style == "llama_final":
        return steps(body, "## Step {k}: {name}") + "\n\n" + ending(style, answer, rng)
    if style == "gpt_markdown":
        return f"{intro(problem, rng)}\n\n" + steps(body, "### {k}. {name}") + "\n\n" + ending(style, answer, rng)
    if style == "check_after":
        inner = rng.choice(("qwen_boxed", "plain_text", "gpt_markdown", "conclusion", "restated"))
        return completion(inner, problem, body, answer, rng) + rng.choice(CHECKS)
    if style == "restated":
        numbers = re.findall(r"\$[^$]{1,30}\$", problem)[:3]
        given = f"We are given {', '.join(numbers)}." if numbers else "We restate the problem."
        return f"{given}\n\n{body}\n\n" + ending(style, answer, rng)
    text = f"{intro(problem, rng)}\n\n{body}\n\n" + ending(style, answer, rng)
    return text + rng.choice(AFTERWORDS) if rng.random() < 0.25 else text


def wrong_value(gold: str, others: list[str], rng: random.Random) -> tuple[str, str] | None:
    """(variant, wrong value): a near miss when one is found, else another problem's answer."""
    miss = near_miss(gold, rng)
    if miss is not None and unequal(gold, miss):
        return "near_miss", miss
    for other in rng.sample(others, 5):
        if unequal(gold, other):
            return "other_answer", other
    return None


def with_unit(gold: str, unit: str) -> str:
    """The gold with its unit written after it, as a model writes it ("45 \\text{ minutes}", "30^{\\circ}")."""
    if unit == "^{\\circ}":
        return gold + unit
    if unit == "%":
        return gold + "\\%"
    return f"{gold} \\text{{ {unit.strip('$')}}}"


def cases_for(
    source: str, problem: str, solution: str, gold: str, others: list[str], rng: random.Random, unit: str = ""
):
    """Labelled rows for one problem: two styles, a variant each, plus a partial or truncated one."""
    body = reasoning(solution)
    single = len(items_of(gold)) == 1
    for style in rng.sample(STYLES, 2):
        names = list(VARIANTS)
        variant = rng.choices(names, weights=[VARIANTS[name][1] for name in names])[0]
        variant = "near_miss" if variant == "candidates" and not single else variant
        answer: str | None = gold
        text = body
        if variant == "equal_form":
            forms = [form for name, form in rewritings(gold) if name not in ("identity", "spaces")]
            forms += [with_unit(gold, unit)] * 3 if unit and "$" not in gold else []
            answer = rng.choice(forms) if forms else None
            variant = variant if answer else "correct"
            answer = answer or gold
        elif variant in ("near_miss", "other_answer", "right_earlier", "candidates"):
            found = wrong_value(gold, others, rng)
            if found is None:
                continue
            kind, answer = found
            if variant in ("near_miss", "other_answer"):
                variant = kind
            elif variant == "right_earlier":
                slip = "Wait, I made an arithmetic slip above; redoing it carefully:"
                text = f"{body}\n\nThis gives ${gold.replace('$', '')}$. {slip}"
            else:
                pair = [gold, answer]
                rng.shuffle(pair)
                pair = [value.replace("$", "") for value in pair]
                text = f"{body}\n\nThe possible values are ${pair[0]}$ and ${pair[1]}$."
                answer = f"{pair[0]} \\text{{ or }} {pair[1]}"
        yield LabelledCase(
            source,
            style,
            gold,
            completion(style, problem, text, answer.replace("$", ""), rng),
            VARIANTS[variant][0],
            note=variant,
        )
    items = items_of(gold)
    if len(items) > 1:
        style = rng.choice(("plain_text", "qwen_boxed", "llama_final"))
        yield LabelledCase(
            source, style, gold, completion(style, problem, body, items[0].replace("$", ""), rng), False, "partial"
        )
    elif rng.random() < 0.25 and len(body) > 200:
        cut = body[: rng.randint(len(body) // 3, 2 * len(body) // 3)]
        cut = cut.rstrip().rsplit(" ", 1)[0]
        yield LabelledCase(source, "truncated", gold, f"{intro(problem, rng)}\n\n{cut}", False, "truncated")


def math500(rng: random.Random):
    rows = [json.loads(line) for line in open(data_file("math500/test.jsonl"), encoding="utf-8")]
    others = [row["answer"] for row in rows]
    for row in rng.sample(rows, 120):
        ref = {"file": "math500/test.jsonl", "line": rows.index(row), "field": "solution"}
        for case in cases_for("cot-math500", row["problem"], row["solution"], row["answer"], others, rng):
            yield case, ref


def olympiadbench_gold(row: dict) -> str:
    """The final answers of an OlympiadBench problem as one gold: "a, b" when it has several."""
    return ", ".join(answer.strip() for answer in row["final_answer"])


def olympiadbench(rng: random.Random):
    path = data_file("competition_math/olympiadbench.jsonl")
    rows = [json.loads(line) for line in open(path, encoding="utf-8")]
    others = [olympiadbench_gold(row) for row in rows]
    chosen = rng.sample(rows, 120)
    chosen += [row for row in rows if row["unit"] and row not in chosen]
    for row in chosen:
        problem = (row["context"] or "") + row["question"]
        gold = olympiadbench_gold(row)
        ref = {"file": "competition_math/olympiadbench.jsonl", "line": rows.index(row), "field": "solution"}
        for case in cases_for("cot-olympiadbench", problem, row["solution"][0], gold, others, rng, row["unit"] or ""):
            yield case, ref


def omni(rng: random.Random):
    others = [gold for _, gold, _ in OMNI_PROBLEMS]
    for problem, gold, body in OMNI_PROBLEMS:
        for _ in range(2):
            for case in cases_for("cot-omni", problem, body, gold, others, rng):
                yield case, None


def main() -> None:
    rng = random.Random(SEED)
    with open(OUT, "w", encoding="utf-8") as out:
        for generate in (math500, olympiadbench, omni):
            for case, ref in generate(rng):
                row = {
                    "source": case.source,
                    "case": case.case,
                    "gold": case.gold,
                    "completion": case.completion,
                    "label": case.label,
                    "math_verify": math_verify_verdict(case),
                    "note": case.note,
                }
                if ref is not None:  # the benchmark's own text stays in ../shared/data
                    row["completion"] = referenced(case.completion, reasoning(reference_solution(ref)))
                    row["ref"] = ref
                out.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
