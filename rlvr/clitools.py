"""Command-line pieces shared by rlvr-eval and the GRPO demo: --help that shows every default,
and integer arguments with a lower bound (a negative --limit once ran everything silently)."""

from __future__ import annotations

import argparse
from collections.abc import Callable


class DefaultsHelpFormatter(argparse.HelpFormatter):
    """Adds "(default: X)" to an option's help where it has a default worth showing."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        hidden = action.default is None or action.default is False or action.default == argparse.SUPPRESS
        if hidden or "default" in text or not action.option_strings:
            return text
        return f"{text} (default: %(default)s)"


def bounded_int(minimum: int) -> Callable[[str], int]:
    """An argparse type: an integer of at least `minimum`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"takes an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    parse.__name__ = f"integer >= {minimum}"
    return parse


positive_int = bounded_int(1)
