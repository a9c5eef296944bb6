"""Every --help is usable from a wheel: it points to nothing only a checkout has (docs/)."""

from __future__ import annotations

import pytest

from rlvr.eval.cli import build_parser
from rlvr.grpo import __main__ as grpo_cli
from rlvr.grpo import demo
from rlvr.serve import cli as serve_cli

SUBCOMMANDS = ["pass-at-k", "greedy", "score", "report"]


@pytest.mark.parametrize(
    "main, argv",
    [(None, [])]
    + [(None, [name]) for name in SUBCOMMANDS]
    + [(grpo_cli.main, []), (demo.main, []), (serve_cli.main, [])],
    ids=["rlvr-eval", *SUBCOMMANDS, "python -m rlvr.grpo", "python -m rlvr.grpo.demo", "rlvr serve"],
)
def test_help_names_no_file_a_wheel_user_lacks(main, argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        (main or build_parser().parse_args)([*argv, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert len(text) > 200 and "docs/" not in text, text
