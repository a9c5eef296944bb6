"""Strict and loose evaluation of a response against a list of instructions.

Strict: the response as it is. Loose (the reference's upper bound): an instruction is followed
if any of eight variants follows it: the response, without its first line, without its last
line, without both, and each of those four with every "*" deleted. A blank variant (or a blank
response, in strict mode) follows nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rlvr.ifeval_checks.base import Check


def loose_variants(response: str) -> tuple[str, ...]:
    """The eight variants the loose evaluation tries, in the reference's order."""
    lines = response.split("\n")
    without_first = "\n".join(lines[1:]).strip()
    without_last = "\n".join(lines[:-1]).strip()
    without_both = "\n".join(lines[1:-1]).strip()
    return (
        response,
        response.replace("*", ""),
        without_first,
        without_last,
        without_both,
        without_first.replace("*", ""),
        without_last.replace("*", ""),
        without_both.replace("*", ""),
    )


@dataclass(frozen=True)
class Outcome:
    """Whether one instruction was followed."""

    followed: bool


def follows(check: Check, response: str, loose: bool = False) -> Outcome:
    """Whether `response` follows `check`, strictly or loosely."""
    # Equal variants give equal answers, so each distinct one is tried once (in order).
    variants = dict.fromkeys(loose_variants(response)) if loose else (response,)
    return Outcome(any(v.strip() and check.follows(v) for v in variants))


def follow_all(checks: Sequence[Check], response: str, loose: bool = False) -> list[Outcome]:
    """One Outcome per check, in order."""
    return [follows(check, response, loose) for check in checks]
