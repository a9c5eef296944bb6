"""The check base class and the parsing of an instruction's keyword arguments.

A check is one instruction id (e.g. "punctuation:no_comma"): a class that declares the keyword
arguments it takes (`params`) and decides whether a response follows it (`follows`). Arguments
arrive as the data carries them: null for unused ones (IFBench, the Hugging Face IFEval copy)
or absent (the upstream IFEval file). Only nulls are dropped, never 0, "" or False.

Unlike the reference implementations, which draw a random value for a missing argument, a
missing, unknown or ill-typed argument raises `BadKwargs`: a reward must never depend on a
random draw. The verifiers turn it into a "bad_ground_truth" verdict.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

RELATIONS = ("less than", "at least")


class BadKwargs(ValueError):
    """An instruction id is unknown, or its keyword arguments are missing, unknown or ill-typed."""


@dataclass(frozen=True)
class Param:
    """One keyword argument: how to convert and validate it, and whether it may be left out."""

    convert: Callable[[Any], Any]
    required: bool = True


def integer(minimum: int = 0) -> Callable[[Any], int]:
    """An int >= minimum; integral floats (7.0, as pandas-made copies store ints) are accepted."""

    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BadKwargs(f"expected an integer, got {value!r}")
        if not math.isfinite(value) or value != int(value):
            raise BadKwargs(f"expected an integer, got {value!r}")
        if value < minimum:
            raise BadKwargs(f"expected an integer >= {minimum}, got {value!r}")
        return int(value)

    return convert


def text(value: Any) -> str:
    """A string."""
    if not isinstance(value, str):
        raise BadKwargs(f"expected a string, got {value!r}")
    return value


def nonempty_text(value: Any) -> str:
    """A string with something other than whitespace in it."""
    if not isinstance(value, str) or not value.strip():
        raise BadKwargs(f"expected a non-empty string, got {value!r}")
    return value


def text_list(value: Any) -> tuple[str, ...]:
    """A non-empty list of strings."""
    if not isinstance(value, (list, tuple)) or not value or not all(isinstance(v, str) for v in value):
        raise BadKwargs(f"expected a non-empty list of strings, got {value!r}")
    return tuple(value)


def relation(value: Any) -> str:
    """ "less than" or "at least"."""
    if value not in RELATIONS:
        raise BadKwargs(f"relation must be one of {RELATIONS}, got {value!r}")
    return value


def compare(count: int, relation_word: str, threshold: int) -> bool:
    """IFEval's comparison: "less than" is strict (<), "at least" is >=."""
    return count < threshold if relation_word == "less than" else count >= threshold


class Check:
    """One instruction. Subclasses set `instruction_id` and `params` and implement `follows`.

    Build one with `from_kwargs`; the parsed arguments become attributes of the same names.
    """

    instruction_id: ClassVar[str] = ""
    params: ClassVar[Mapping[str, Param]] = {}

    def __init__(self, **arguments: Any) -> None:
        for name, value in arguments.items():
            setattr(self, name, value)
        self.validate()

    @classmethod
    def from_kwargs(cls, kwargs: Mapping[str, Any] | None) -> Check:
        """The check built from the data's kwargs dict (None and {} mean no arguments)."""
        if kwargs is None:
            kwargs = {}
        if not isinstance(kwargs, Mapping):
            raise BadKwargs(f"{cls.instruction_id}: kwargs must be a dict, got {type(kwargs).__name__}")
        given = {name: value for name, value in kwargs.items() if value is not None}
        unknown = sorted(set(given) - set(cls.params))
        if unknown:
            raise BadKwargs(f"{cls.instruction_id}: unknown argument(s) {unknown}; takes {sorted(cls.params)}")
        arguments: dict[str, Any] = {}
        for name, param in cls.params.items():
            if name not in given:
                if param.required:
                    raise BadKwargs(f"{cls.instruction_id}: missing argument {name!r}")
                arguments[name] = None
                continue
            try:
                arguments[name] = param.convert(given[name])
            except BadKwargs as exc:
                raise BadKwargs(f"{cls.instruction_id}: argument {name!r}: {exc}") from None
        return cls(**arguments)

    if TYPE_CHECKING:
        # The parsed arguments are set as attributes of their own names in __init__; this tells
        # type checkers so (at run time an unknown name is an AttributeError as usual).
        def __getattr__(self, name: str) -> Any: ...

    def validate(self) -> None:
        """Cross-argument checks (e.g. min <= max); raise BadKwargs. Nothing by default."""

    def follows(self, response: str) -> bool:
        """Whether `response` follows the instruction."""
        raise NotImplementedError
