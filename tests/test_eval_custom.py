"""Custom tasks: any data file (JSONL, JSON, CSV, Parquet) or a YAML task file, named by its
fields; every mistake in the data or the options is a one-line error before any model loads."""

import csv
import json
import re
import socket
import sys
import types

import pytest
from scripted_backend import ScriptedBackend

from rlvr.eval.cli import main
from rlvr.eval.custom import CustomTask, load_task_file
from rlvr.eval.records import OFFLINE_SWITCHES
from rlvr.eval.runner import EvalConfig, run_eval
from rlvr.eval.tasks import load_examples
from rlvr.rollouts import read_rollouts
from rlvr.testing.tiny_model import TinyModelConfig, build_tiny_model

TINY = TinyModelConfig(hidden_size=128, intermediate_size=256, num_heads=2)
RECORDS = [
    {"uid": "a", "problem": "What is 1+1?", "answer": 2.0, "level": "easy"},
    {"uid": "b", "problem": "What is $\\frac{1}{2}+\\frac{1}{2}$?", "answer": "1", "level": "easy"},
    {"uid": "c", "problem": "What is 6*7?", "answer": 42, "level": "hard"},
]
FIELDS = ["--prompt-field", "problem", "--answer-field", "answer", "--verifier", "math", "--id-field", "uid"]


# The OpenAI-compatible backend needs no optional module and no local model, so these commands
# reach the data checks (which run before any request is sent) wherever the tests run.
OPENAI = ["--backend", "openai", "--model", "served-model"]


def write(path, records=RECORDS):
    """`records` in the format `path`'s suffix names."""
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
    elif path.suffix == ".json":
        path.write_text(json.dumps(records))
    elif path.suffix == ".csv":
        with open(path, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(records[0]))
            writer.writeheader()
            writer.writerows(records)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist([{**r, "answer": str(r["answer"])} for r in records]), path)
    return path


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return str(build_tiny_model(tmp_path_factory.mktemp("tiny"), config=TINY))


def run_cli(capsys, *args):
    """(exit status, stderr) of rlvr-eval with `args`."""
    status = main([str(a) for a in args])
    return status, capsys.readouterr().err


def test_jsonl_task_end_to_end_on_the_hf_backend(model, tmp_path):
    data = write(tmp_path / "heldout.jsonl")
    out = tmp_path / "run"
    common = ["--backend", "hf", "--model", model, "--max-tokens", "8", "--output", str(out)]
    assert main(["greedy", "--task", "custom", "--data", str(data), *FIELDS, "--strata-field", "level", *common]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["config"]["task"] == "custom" and summary["config"]["custom"]["answer_field"] == "answer"
    assert summary["versions"]["verifier"]["task"] == "math" and summary["metrics"]["num_prompts"] == 3
    assert set(summary["strata"]["level"]) == {"easy", "hard"}
    records = read_rollouts(out / "completions.jsonl", group_size=1)
    assert [r["id"] for r in records] == ["a", "b", "c"]
    assert [r["ground_truth"] for r in records] == ["2", "1", "42"]  # 2.0 reaches the verifier as "2"
    assert records[0]["prompt"] == "What is 1+1?"


def test_yaml_task_file_end_to_end_on_the_hf_backend(model, tmp_path):
    write(tmp_path / "heldout.jsonl")
    (tmp_path / "heldout.yaml").write_text(
        "name: heldout\n"
        "data: heldout.jsonl\n"
        "prompt_template: |-\n  Question: {problem}\n  Answer within \\boxed{}:\n"
        "answer_field: answer\n"
        "verifier: math\n"
        "verifier_options: {mode: lenient}\n"
        "id_field: uid\n"
        "strata_fields: level\n"
        "max_tokens: 6\n"
        "stop: ['Question:']\n"
    )
    out = tmp_path / "run"
    args = ["pass-at-k", "--backend", "hf", "--model", model, "--task-file", tmp_path / "heldout.yaml"]
    assert main([str(a) for a in [*args, "--n", "2", "--k", "1,2", "--limit", "2", "--output", out]]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["config"]["task"] == "heldout" and summary["config"]["max_tokens"] == 6
    assert summary["versions"]["verifier"]["options"]["mode"] == "lenient"
    assert set(summary["metrics"]["pass@k"]) == {"1", "2"} and "level" in summary["strata"]
    records = read_rollouts(out / "completions.jsonl", group_size=2)
    assert records[0]["prompt"] == "Question: What is 1+1?\nAnswer within \\boxed{}:"
    assert all(r["metadata"]["num_tokens"] <= 6 for record in records for r in record["responses"])


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".csv", ".parquet"])
def test_every_file_format_gives_the_same_examples(suffix, tmp_path):
    task = CustomTask(str(write(tmp_path / f"data{suffix}")), "answer", "math", prompt_field="problem", id_field="uid")
    examples = load_examples(task.eval_task())
    assert [e.id for e in examples] == ["a", "b", "c"]
    # A number reaches the verifier as its canonical string; text (all of CSV) as it is written.
    first = "2.0" if suffix in (".csv", ".parquet") else "2"
    assert [e.ground_truth for e in examples] == [first, "1", "42"]
    assert examples[1].doc["problem"] == RECORDS[1]["problem"]


def test_csv_task_scores_reference_answers_one_through_the_runner(tmp_path):
    data = write(tmp_path / "data.csv")
    task = CustomTask(str(data), "answer", "math", prompt_template="{problem}\\nBox it.", strata_fields=("level",))
    backend = ScriptedBackend({"0": "\\boxed{2}", "1": "\\boxed{1}", "2": "\\boxed{42}"}.__getitem__)
    summary = run_eval(EvalConfig(model="scripted", task="custom", output=str(tmp_path / "run"), custom=task), backend)
    assert summary["metrics"]["pass@1"] == 1.0 and summary["config"]["max_tokens"] == 1024
    assert summary["strata"]["level"]["hard"]["num_prompts"] == 1


def test_score_any_records_file_by_its_fields(tmp_path, capsys):
    rows = [
        {"q": "1+1?", "gold": 2.0, "outputs": ["\\boxed{2}", "\\boxed{3}"], "topic": "sums"},
        {"q": "6*7?", "gold": 42, "outputs": ["\\boxed{42}", "\\boxed{42}"], "topic": "products"},
    ]
    path = write(tmp_path / "outputs.jsonl", rows)
    fields = ["--answer-field", "gold", "--verifier", "math", "--strata-field", "topic", "--response-field", "outputs"]
    out = tmp_path / "scored"
    status, err = run_cli(capsys, "score", "--task", "custom", "--completions", path, *fields, "--output", out)
    assert status == 0, err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["metrics"]["pass@1"] == 0.75 and summary["metrics"]["pass@k"]["2"] == 1.0
    assert summary["strata"]["topic"]["sums"]["pass@1"] == 0.5
    # rlvr-eval's own completions of a custom task are rescored by its task file.
    (tmp_path / "t.yaml").write_text("answer_field: gold\nverifier: math\nstrata_fields: [topic]\n")
    status, err = run_cli(
        capsys, "score", "--task-file", tmp_path / "t.yaml", "--completions", out / "completions.jsonl"
    )
    assert status == 0, err


def one_line_error(capsys, *args):
    status, err = run_cli(capsys, *args)
    assert status == 2 and err.count("\n") == 1 and err.startswith("rlvr-eval: error: "), err
    return err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--prompt-field", "problem", "--answer-field", "solution", "--verifier", "math"],
            r"data.jsonl: record 1 has no field 'solution' \(its fields: uid, problem, answer, level\)",
        ),
        (
            ["--prompt-template", "Q: {question}", "--answer-field", "answer", "--verifier", "math"],
            r"data.jsonl: record 1 has no field 'question'",
        ),
        ([*FIELDS, "--strata-field", "subject"], r"data.jsonl: record 1 has no field 'subject'"),
        (["--prompt-field", "problem", "--answer-field", "answer", "--verifier", "maths"], r"unknown verifier 'maths'"),
        ([*FIELDS, "--prompt-template", "Q: {problem}"], r"one of --prompt-field and --prompt-template, not both"),
    ],
)
def test_bad_field_options_are_one_line_errors(options, message, tmp_path, capsys):
    data = write(tmp_path / "data.jsonl")
    out = tmp_path / "o"
    err = one_line_error(capsys, "greedy", *OPENAI, "--task", "custom", "--data", data, *options, "--output", out)
    assert re.search(message, err), err
    assert not out.exists()  # nothing written before the data is checked


def test_data_and_option_mistakes_are_one_line_errors(tmp_path, capsys):
    data = write(tmp_path / "data.jsonl")
    base = ["greedy", *OPENAI, "--output", tmp_path / "o"]
    err = one_line_error(capsys, *base, "--task", "custom", "--data", tmp_path / "nope.jsonl", *FIELDS)
    assert "data file" in err and "nope.jsonl not found" in err
    err = one_line_error(capsys, *base, "--task", "custom", "--data", data, "--prompt-field", "problem")
    assert "--task custom needs --answer-field and --verifier" in err
    err = one_line_error(capsys, *base, "--task", "gsm8k", "--data", data, "--answer-field", "answer")
    assert "--answer-field define a custom task: use them with --task custom" in err
    err = one_line_error(capsys, *base, "--task-file", tmp_path / "missing.yaml")
    assert "task file" in err and "missing.yaml not found" in err
    (tmp_path / "t.yaml").write_text("data: data.jsonl\nanswer_feild: answer\nverifier: math\n")
    err = one_line_error(capsys, *base, "--task-file", tmp_path / "t.yaml")
    assert "t.yaml: unknown key 'answer_feild'" in err
    err = one_line_error(capsys, *base, "--task-file", tmp_path / "t.yaml", "--task", "gsm8k")
    assert "--task-file defines the task: drop --task" in err
    (tmp_path / "bad.jsonl").write_text('{"problem": "1+1?", "answer": 2}\n{"problem": "2+2?", answer: 4}\n')
    err = one_line_error(capsys, *base, "--task", "custom", "--data", tmp_path / "bad.jsonl", *FIELDS[:6])
    assert "bad.jsonl: line 2 is not valid JSON" in err
    write(tmp_path / "dup.jsonl", [RECORDS[0], RECORDS[0]])
    err = one_line_error(capsys, *base, "--task", "custom", "--data", tmp_path / "dup.jsonl", *FIELDS)
    assert "dup.jsonl: duplicate example id 'a'" in err
    one_line_error(capsys, *base)  # no task at all


def test_task_file_paths_are_relative_to_the_file(tmp_path):
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "t.yaml").write_text(
        "data: ../data.jsonl\nprompt_field: problem\nanswer_field: answer\nverifier: math\n"
    )
    task = load_task_file(tmp_path / "tasks" / "t.yaml")
    assert task.name == "t" and task.data == str(tmp_path / "tasks" / ".." / "data.jsonl")
    write(tmp_path / "data.jsonl")
    assert len(load_examples(task.eval_task())) == 3


def test_parquet_without_pyarrow_is_a_one_line_error(tmp_path, monkeypatch):
    path = write(tmp_path / "data.parquet")
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(ValueError, match=r"data.parquet: reading Parquet needs pyarrow: pip install 'rlvr\[eval\]'"):
        load_examples(CustomTask(str(path), "answer", "math", prompt_field="problem").eval_task())


def test_hub_loading_without_datasets_or_offline_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "datasets", None)
    with pytest.raises(ValueError, match=r"needs `datasets`: pip install 'rlvr\[hub\]', or pass --data FILE"):
        load_examples("aime24")
    offline = types.ModuleType("datasets")

    def load_dataset(*args, **kwargs):
        raise ConnectionError("Couldn't reach 'HuggingFaceH4/aime_2024' on the Hub (LocalEntryNotFoundError)\nmore")

    offline.load_dataset = load_dataset
    monkeypatch.setitem(sys.modules, "datasets", offline)
    for name in OFFLINE_SWITCHES:
        monkeypatch.delenv(name, raising=False)
    with socket.create_server(("127.0.0.1", 0)) as hub:  # the hub answers a connection, then fails the load
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{hub.getsockname()[1]}")
        err = one_line_error(capsys, "greedy", *OPENAI, "--task", "olympiadbench", "--output", tmp_path / "o")
    assert "could not load Hothan/OlympiadBench" in err and "(offline?)" in err and "pass --data FILE" in err


def test_a_command_line_template_reads_backslash_n_as_a_newline():
    from rlvr.eval.cli import build_parser, custom_task

    args = build_parser().parse_args(
        ["greedy", "--model", "m", "--output", "o", "--task", "custom", "--answer-field", "a", "--verifier", "math"]
        + ["--prompt-template", r"Question: {problem}\nAnswer within \boxed{}:"]
    )
    task = custom_task(args)
    assert task.eval_task().prompt_format.render({"problem": "1+1?"}) == "Question: 1+1?\nAnswer within \\boxed{}:"


def test_a_spreadsheet_csv_with_a_byte_order_mark_and_an_empty_file(tmp_path):
    path = write(tmp_path / "data.csv")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    task = CustomTask(str(path), "answer", "math", prompt_field="problem", id_field="uid")
    assert [e.id for e in load_examples(task.eval_task())] == ["a", "b", "c"]
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(ValueError, match=r"empty.jsonl: no records"):
        load_examples(CustomTask(str(tmp_path / "empty.jsonl"), "answer", "math", prompt_field="problem").eval_task())
