"""The oracle: the data's reference solutions, fed through rlvr-eval's scoring path (loader,
rollout records, `rlvr-eval score`'s rescoring, metrics), reach accuracy 1.0 on every task that
has references. This is the whole pipeline minus the model.

IFEval and IFBench are not parametrized here: their data holds only prompts and instruction
ids, no reference responses, so there is nothing that must score 1.0 (their verifiers are
tested against hand-written responses in their own test files).

The default run takes the first examples of each task (all of AIME and AMC) (code tasks run programs in the
sandbox, so fewer); the full sweep is the slow test.
"""

import pytest
from shared_data import data_file

from rlvr.eval import metrics
from rlvr.eval.score import rescore
from rlvr.eval.tasks import load_examples, references

WITH_REFERENCES = {
    "gsm8k": ("gsm8k/test.jsonl", 100),
    "math": ("math/test.jsonl", 40),
    "math500": ("math500/test.jsonl", 40),
    "mbpp": ("mbpp/mbpp.jsonl", 15),
    "humaneval": ("humaneval/HumanEval.jsonl.gz", 15),
    "apps": ("apps/train_sample_coderl.jsonl", 5),
    # Competition math: "\\boxed{answer}" for AIME/AMC; OlympiadBench's final_answer boxed (its
    # $...$ delimiters dropped) against the final_answer as the data writes it, so the sweep
    # measures the math verifier on OlympiadBench's answer types.
    "aime24": ("competition_math/aime24.jsonl", None),
    "aime25": ("competition_math/aime25.jsonl", None),
    "amc23": ("competition_math/amc23.jsonl", None),
    "olympiadbench": ("competition_math/olympiadbench.jsonl", 60),
}


def oracle_accuracy(task, limit):
    path, _ = WITH_REFERENCES[task]
    examples = load_examples(task, data_file(path), limit=limit)
    records = [
        {
            "id": e.id,
            "prompt": "",
            "ground_truth": e.ground_truth,
            "responses": [{"text": text, "score": None, "correct": None, "metadata": {}}],
            **e.fields,
        }
        for e, text in zip(examples, references(task, examples))
    ]
    scored = rescore(records, task, progress=False)
    failures = [
        (r["id"], r["responses"][0]["metadata"]["reason"], str(r["responses"][0]["metadata"]["detail"])[:200])
        for r in scored
        if not r["responses"][0]["correct"]
    ]
    return metrics.summarize(scored)["pass@1"], failures


@pytest.mark.parametrize("task", sorted(WITH_REFERENCES))
def test_reference_solutions_score_one(task):
    accuracy, failures = oracle_accuracy(task, WITH_REFERENCES[task][1])
    assert failures == []
    assert accuracy == 1.0


@pytest.mark.slow
@pytest.mark.parametrize("task", sorted(WITH_REFERENCES))
def test_reference_solutions_score_one_on_the_whole_data(task):
    accuracy, failures = oracle_accuracy(task, None)
    assert failures == []
    assert accuracy == 1.0
