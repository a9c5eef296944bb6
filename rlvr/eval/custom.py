"""Tasks defined by a data file and field names: `--task custom` and `--task-file`.

    rlvr-eval pass-at-k --task custom --data heldout.jsonl --prompt-field problem \\
        --answer-field answer --verifier math --id-field id --strata-field level ...

or the same as a task file a lab keeps in git (`--task-file heldout.yaml`; YAML or JSON):

    name: heldout                 # shown in reports (default: the file's name)
    data: heldout.jsonl           # relative to the task file
    prompt_field: problem         # or prompt_template: "Question: {problem}\\nAnswer:"
    answer_field: answer          # what the verifier receives as ground truth
    verifier: math
    verifier_options: {mode: lenient}
    id_field: id                  # default: the record's position
    strata_fields: [level]        # accuracy is also reported by these
    max_tokens: 2048              # default 1024
    stop: ["Question:"]

Every record is checked before any model is loaded: a missing or null field is a one-line
error naming the file, the record and the field. A whole-number float answer (70.0) reaches
the verifier as "70"; other answers as the data holds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import rlvr
from rlvr.eval.prompts import template_fields, template_format
from rlvr.eval.records import canonical_answer
from rlvr.eval.tasks import EvalTask, Example

DEFAULT_MAX_TOKENS = 1024


@dataclass(frozen=True)
class CustomTask:
    """A task over any data file: which fields hold the prompt, the answer, the id and the
    strata, which verifier scores it, and with which options.

    >>> task = CustomTask(data="heldout.jsonl", answer_field="answer", verifier="math", prompt_field="problem")
    >>> load_examples(task.eval_task())[0].ground_truth  # doctest: +SKIP
    '70'
    """

    data: str | None
    answer_field: str
    verifier: str
    prompt_field: str | None = None
    prompt_template: str | None = None
    id_field: str | None = None
    strata_fields: tuple[str, ...] = ()
    verifier_options: dict[str, Any] = field(default_factory=dict)
    max_tokens: int = DEFAULT_MAX_TOKENS
    stop: tuple[str, ...] = ()
    name: str = "custom"

    def __post_init__(self) -> None:
        if self.verifier not in rlvr.available_tasks():
            raise ValueError(f"unknown verifier {self.verifier!r}; known verifiers: {rlvr.available_tasks()}")
        if self.prompt_field is not None and self.prompt_template is not None:
            raise ValueError("a custom task takes one of --prompt-field and --prompt-template, not both")
        if self.prompt_template is not None and not template_fields(self.prompt_template):
            raise ValueError(f"--prompt-template {self.prompt_template!r} names no record field such as {{problem}}")
        if not isinstance(self.verifier_options, dict):
            raise ValueError(
                f"verifier_options must be a mapping of option names to values, got {self.verifier_options!r}"
            )
        if not all(isinstance(name, str) for name in self.strata_fields):
            raise ValueError(f"strata_fields must be field names, got {list(self.strata_fields)!r}")
        if not isinstance(self.max_tokens, int) or self.max_tokens < 1:
            raise ValueError(f"max_tokens must be a positive integer, got {self.max_tokens!r}")

    @property
    def template(self) -> str | None:
        """The prompt template; a bare prompt field is the template "{field}". None when the
        task only rescores saved completions (`rlvr-eval score`), which needs no prompt."""
        if self.prompt_field is not None:
            return "{" + self.prompt_field + "}"
        return self.prompt_template

    def required(self) -> tuple[str, ...]:
        """Every field each record must hold."""
        prompt_fields = template_fields(self.template) if self.template is not None else []
        named = [*prompt_fields, self.answer_field, self.id_field, *self.strata_fields]
        return tuple(dict.fromkeys(name for name in named if name is not None))

    def to_example(self, doc: dict[str, Any], index: int) -> Example:
        example_id = str(doc[self.id_field]) if self.id_field is not None else str(index)
        strata = {name: doc[name] for name in self.strata_fields}
        return Example(example_id, doc, canonical_answer(doc[self.answer_field]), strata)

    def eval_task(self) -> EvalTask:
        """The task as the runner and `load_examples` take it."""
        if self.template is None:
            raise ValueError(f"custom task {self.name!r} needs --prompt-field or --prompt-template")
        return EvalTask(
            name=self.name,
            verifier=self.verifier,
            prompt_format=template_format(self.template, self.stop),
            to_example=self.to_example,
            reference=None,
            hub=None,
            required=self.required(),
            strata=self.strata_fields,
            max_tokens=self.max_tokens,
            verifier_options=self.verifier_options,
            data=self.data,
        )


def load_task_file(path: str | Path) -> CustomTask:
    """A CustomTask from a YAML or JSON task file (see the module docstring); `data` is read
    relative to the file, and an unknown key is an error naming it.

    >>> load_task_file("tasks/heldout.yaml").answer_field  # doctest: +SKIP
    'answer'
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"task file {path} not found")
    try:
        import yaml
    except ImportError:
        raise ValueError(f"{path}: reading a task file needs pyyaml: pip install 'rlvr[eval]'") from None
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(spec, dict):
        raise ValueError(f"{path}: a task file is a mapping of keys such as data, prompt_field, answer_field, verifier")
    known = [f.name for f in fields(CustomTask)]
    for key in spec:
        if key not in known:
            raise ValueError(f"{path}: unknown key {key!r}; task files take {', '.join(known)}")
    for key in ("answer_field", "verifier"):
        if key not in spec:
            raise ValueError(f"{path}: no {key!r}; a task file needs at least data, answer_field, verifier")
    for key in ("strata_fields", "stop"):
        if isinstance(spec.get(key), str):
            spec[key] = [spec[key]]
        spec[key] = tuple(spec.get(key) or ())
    # Without data in the file, --data gives it.
    spec["data"] = str(path.parent / spec["data"]) if spec.get("data") is not None else None
    spec.setdefault("name", path.stem)
    try:
        return CustomTask(**spec)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
