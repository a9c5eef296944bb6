"""Loaders on the real benchmark files, and prompt formats checked against lm-eval's own
templates and exemplars (the installed package, read at test time)."""

import json
from pathlib import Path

import jinja2
import lm_eval
import pytest
import yaml
from shared_data import data_file

import rlvr
from rlvr.eval.prompts import builtin_fewshot, fewshot_examples
from rlvr.eval.tasks import get_task, load_examples, references
from rlvr.generation.chat import use_chat_template
from rlvr.tasks.registry import prompt_format

LM_EVAL_TASKS = Path(lm_eval.__file__).parent / "tasks"

DATA = {
    "gsm8k": "gsm8k/test.jsonl",
    "math": "math/test.jsonl",
    "math500": "math500/test.jsonl",
    "ifeval": "ifeval/input_data.jsonl",
    "ifbench": "ifbench/IFBench_test.jsonl",
    "mbpp": "mbpp/mbpp.jsonl",
    "humaneval": "humaneval/HumanEval.jsonl.gz",
    "apps": "apps/train_sample_coderl.jsonl",
    "aime24": "competition_math/aime24.jsonl",
    "aime25": "competition_math/aime25.jsonl",
    "amc23": "competition_math/amc23.jsonl",
    "olympiadbench": "competition_math/olympiadbench.jsonl",
}
COUNTS = {
    "gsm8k": 1319,
    "math": 5000,
    "math500": 500,
    "ifeval": 541,
    "ifbench": 300,
    "mbpp": 500,
    "humaneval": 164,
    "apps": 5,
    "aime24": 30,
    "aime25": 30,
    "amc23": 40,
    "olympiadbench": 675,
}


@pytest.mark.parametrize("task", sorted(DATA))
def test_loaders_read_every_record_with_unique_ids(task):
    examples = load_examples(task, data_file(DATA[task]))
    assert len(examples) == COUNTS[task]
    assert len({e.id for e in examples}) == len(examples)
    assert all(e.ground_truth for e in examples)


def test_ground_truths_have_the_shapes_the_verifiers_take():
    gsm8k = load_examples("gsm8k", data_file(DATA["gsm8k"]), limit=1)[0]
    assert gsm8k.id == "test-0" and gsm8k.ground_truth.endswith("#### 18")
    math = load_examples("math", data_file(DATA["math"]))
    assert {e.fields["level"] for e in math} == {f"Level {i}" for i in range(1, 6)}
    assert len({e.fields["subject"] for e in math}) == 7
    math500 = load_examples("math500", data_file(DATA["math500"]), limit=1)[0]
    assert math500.fields["level"].startswith("Level ")
    assert math500.ground_truth == {"answer": math500.doc["answer"], "question": math500.doc["problem"]}
    ifbench = load_examples("ifbench", data_file(DATA["ifbench"]), limit=1)[0]
    assert set(ifbench.ground_truth) == {"instruction_id_list", "kwargs", "prompt"}
    mbpp = load_examples("mbpp", data_file(DATA["mbpp"]))
    assert [e.id for e in mbpp][:2] == ["11", "12"] and mbpp[-1].id == "510"
    assert len(mbpp[0].ground_truth["test_list"]) == 3
    assert len(load_examples("mbpp", data_file(DATA["mbpp"]), split="validation")) == 90
    sanitized = load_examples("mbpp", data_file("mbpp/sanitized-mbpp.json"))
    assert all(set(e.ground_truth) == {"test_list", "test_setup_code", "challenge_test_list"} for e in sanitized)
    humaneval = load_examples("humaneval", data_file(DATA["humaneval"]), limit=1)[0]
    assert humaneval.ground_truth["entry_point"] == "has_close_elements"
    apps = load_examples("apps", data_file(DATA["apps"]))
    assert sum("fn_name" in e.ground_truth for e in apps) == 2
    assert {e.fields["difficulty"] for e in apps} == {"introductory", "interview", "competition"}


def test_ifeval_and_ifbench_have_no_references():
    with pytest.raises(ValueError, match="no reference"):
        references("ifeval", load_examples("ifeval", data_file(DATA["ifeval"]), limit=1))


def _lm_eval_yaml(name):
    # lm-eval's YAML uses a custom !function tag; it is irrelevant to the fields compared here.
    loader = type("Loader", (yaml.SafeLoader,), {})
    loader.add_constructor("!function", lambda loader, node: None)
    return yaml.load((LM_EVAL_TASKS / name).read_text(), Loader=loader)


def _render(template, doc):
    return jinja2.Template(template, keep_trailing_newline=True).render(**doc)


def test_gsm8k_prompts_match_lm_eval_templates():
    doc = load_examples("gsm8k", data_file(DATA["gsm8k"]), limit=1)[0].doc
    plain, cot = _lm_eval_yaml("gsm8k/gsm8k.yaml"), _lm_eval_yaml("gsm8k/gsm8k-cot.yaml")
    assert prompt_format("gsm8k").render(doc) == _render(plain["doc_to_text"], doc)
    assert prompt_format("gsm8k").stops == tuple(plain["generation_kwargs"]["until"])
    assert builtin_fewshot()["gsm8k_cot"] == cot["fewshot_config"]["samples"]
    shots = fewshot_examples(prompt_format("gsm8k_cot"), 8)
    expected = "".join(_render(cot["doc_to_text"], s) + " " + s["target"] + "\n\n" for s in shots) + _render(
        cot["doc_to_text"], doc
    )
    assert prompt_format("gsm8k_cot").render(doc, shots) == expected
    assert prompt_format("gsm8k_cot").stops == tuple(cot["generation_kwargs"]["until"])


def test_gsm8k_fewshot_comes_from_the_given_pool_and_is_never_silently_short():
    train = [json.loads(line) for line in data_file("gsm8k/train.jsonl").read_text().splitlines()[:3]]
    fmt = prompt_format("gsm8k")
    assert fewshot_examples(fmt, 2, train) == train[:2]
    with pytest.raises(ValueError, match="--fewshot-data"):
        fewshot_examples(fmt, 2)
    with pytest.raises(ValueError, match="has 3 few-shot"):
        fewshot_examples(fmt, 5, train)


def test_minerva_math_prompt_matches_lm_eval():
    from lm_eval.tasks.minerva_math import utils

    doc = load_examples("math500", data_file(DATA["math500"]), limit=1)[0].doc
    shots = fewshot_examples(prompt_format("minerva_math"), 4)
    assert [s["problem"] for s in shots] == [s["problem"] for s in utils.list_fewshot_samples()]
    assert [s["solution"] for s in shots] == [s["solution"] for s in utils.list_fewshot_samples()]
    expected = "".join(utils.doc_to_text(s) + " " + s["solution"] + "\n\n" for s in shots) + utils.doc_to_text(doc)
    assert prompt_format("minerva_math").render(doc, shots) == expected
    assert prompt_format("minerva_math").stops == ("Problem:",)


def test_mbpp_prompt_matches_lm_eval():
    config = _lm_eval_yaml("mbpp/mbpp.yaml")
    docs = {e.id: e.doc for e in load_examples("mbpp", data_file(DATA["mbpp"]), split="prompt")}
    doc = load_examples("mbpp", data_file(DATA["mbpp"]), limit=1)[0].doc
    shots = fewshot_examples(prompt_format("mbpp"), 3)
    # lm-eval's three exemplars are MBPP tasks 2, 3 and 4 as they stand in the data file.
    assert [(s["text"], s["code"], s["test_list"]) for s in shots] == [
        (docs[i]["text"], docs[i]["code"], docs[i]["test_list"]) for i in ("2", "3", "4")
    ]
    target = lambda s: _render(config["doc_to_target"], {**s, "is_fewshot": True})  # noqa: E731
    expected = "".join(_render(config["doc_to_text"], s) + target(s) + "\n\n" for s in shots) + _render(
        config["doc_to_text"], doc
    )
    assert prompt_format("mbpp").render(doc, shots) == expected
    assert prompt_format("mbpp").stops == tuple(config["generation_kwargs"]["until"])


def test_humaneval_and_ifeval_prompts_are_the_raw_prompts():
    he = load_examples("humaneval", data_file(DATA["humaneval"]), limit=1)[0].doc
    assert prompt_format("humaneval").render(he) == he["prompt"]
    assert prompt_format("humaneval").stops == tuple(
        _lm_eval_yaml("humaneval/humaneval.yaml")["generation_kwargs"]["until"]
    )
    ife = load_examples("ifeval", data_file(DATA["ifeval"]), limit=1)[0].doc
    assert prompt_format("raw").render(ife) == ife["prompt"]
    with pytest.raises(ValueError, match="takes no few-shot"):
        prompt_format("raw").render(ife, [ife])


def test_apps_prompt_names_the_input_format():
    apps = {e.id: e.doc for e in load_examples("apps", data_file(DATA["apps"]))}
    assert "Use Standard Input format" in prompt_format("apps").render(apps["1"])
    call_based = prompt_format("apps").render(apps["2404"])
    assert "Use Call-Based format" in call_based and apps["2404"]["starter_code"] in call_based


class _Tokenizer:
    def __init__(self, chat_template):
        self.chat_template = chat_template


def test_chat_template_only_for_chat_models():
    assert use_chat_template("auto", _Tokenizer("{{ messages }}")) is True
    assert use_chat_template("auto", _Tokenizer(None)) is False
    assert use_chat_template("off", _Tokenizer("{{ messages }}")) is False
    with pytest.raises(ValueError, match="no chat template"):
        use_chat_template("on", _Tokenizer(None))


def test_competition_math_answers_reach_the_verifier_as_canonical_strings():
    def answers(examples):
        return [e.ground_truth["answer"] for e in examples]

    aime24 = load_examples("aime24", data_file(DATA["aime24"]))
    assert answers(aime24)[0] == "204" and answers(aime24)[7] == "025"  # strings stay as written
    aime25 = load_examples("aime25", data_file(DATA["aime25"]))
    assert aime25[0].doc["answer"] == 70.0 and answers(aime25)[0] == "70"
    amc23 = load_examples("amc23", data_file(DATA["amc23"]))
    assert all(isinstance(answer, str) and "." not in answer for answer in answers(amc23))
    assert "-1" in answers(amc23)
    olympiad = load_examples("olympiadbench", data_file(DATA["olympiadbench"]))
    several = next(e for e in olympiad if e.doc["is_multiple_answer"] and e.doc["final_answer"] == ["$69$,$84$"])
    assert several.ground_truth["answer"] == "$69$,$84$"
    assert {e.fields["answer_type"] for e in olympiad} == {"Numerical", "Expression", "Tuple", "Interval"}
    assert len({e.fields["subfield"] for e in olympiad}) == 4


@pytest.mark.parametrize("task", ["math", "math500", "aime24", "aime25", "amc23", "olympiadbench"])
def test_math_ground_truths_carry_the_datasets_question(task):
    """Every math eval task hands the verifier {"answer", "question"}, the question being the
    record's problem text, so the rules that read the question (docs/math.md) work in evaluation."""
    examples = load_examples(task, data_file(DATA[task]))
    for example in examples:
        doc = example.doc
        assert example.ground_truth["question"] == (
            doc["problem"] if doc.get("problem") is not None else doc["question"]
        )
        assert example.ground_truth["question"] in prompt_format(get_task(task).prompt_format).render(doc)


def test_a_question_aware_rule_works_through_an_eval_task(tmp_path):
    """MATH-500 in its schema: the question asks for m+n of a fraction m/n, and the response gives the
    fraction. Only with the question in the ground truth does the verifier read 3/4 as m+n = 7."""
    problem = "The probability is $\\frac{m}{n}$, where $m$ and $n$ are relatively prime positive integers. Find $m+n$."
    record = {"problem": problem, "answer": "7", "level": 3, "subject": "Counting & Probability", "unique_id": "x"}
    data = tmp_path / "math500.jsonl"
    data.write_text(json.dumps(record) + "\n")
    (example,) = load_examples("math500", str(data))
    completion = "So the probability is $\\boxed{\\frac{3}{4}}$."
    assert rlvr.verify(completion, example.ground_truth, task="math").correct
    assert not rlvr.verify(completion, example.ground_truth["answer"], task="math").correct


def test_competition_math_prompt_asks_for_a_boxed_answer():
    doc = load_examples("aime25", data_file(DATA["aime25"]), limit=1)[0].doc
    prompt = prompt_format("competition_math").render(doc)
    assert prompt == doc["question"] + "\nPlease reason step by step, and put your final answer within \\boxed{}."


def test_each_task_has_its_generation_budget():
    from rlvr.eval.tasks import eval_tasks

    assert {
        name: eval_tasks()[name].max_tokens for name in ("aime24", "olympiadbench", "gsm8k", "math500", "mbpp")
    } == {
        "aime24": 4096,
        "olympiadbench": 4096,
        "gsm8k": 1024,
        "math500": 1024,
        "mbpp": 512,
    }


def test_a_record_without_a_field_its_task_reads_is_a_one_line_error(tmp_path):
    path = tmp_path / "aime.jsonl"
    path.write_text('{"id": 1, "question": "1+1?", "answer": 2}\n{"id": 2, "question": "2+2?"}\n')
    with pytest.raises(ValueError, match=r"aime\.jsonl: record 2 has no field 'answer' \(its fields: id, question\)"):
        load_examples("aime25", path)
    with pytest.raises(FileNotFoundError, match="missing.jsonl not found"):
        load_examples("aime25", tmp_path / "missing.jsonl")
