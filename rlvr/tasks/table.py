"""The README's task table, written from the registry (so a new task cannot be left out of it).

python -m rlvr.tasks.table        # prints the table; README.md holds it between the markers
"""

from __future__ import annotations

from dataclasses import fields

from rlvr.tasks.registry import task_specs

BEGIN, END = "<!-- task table: python -m rlvr.tasks.table -->", "<!-- end of task table -->"


def task_table() -> str:
    """The markdown table of every registered task: ground truth, modes, options (the verifier's
    Options fields, so it is always the options the verifier accepts)."""
    lines = ["| task | ground truth | modes | options |", "|---|---|---|---|"]
    for spec in task_specs().values():
        names = [f.name for f in fields(spec.verifier_class().Options)]
        options = ", ".join(f"`{name}`" for name in [*names[1:], names[0]])  # the common `timeout` last
        lines.append(f"| `{spec.name}` | {spec.ground_truth} | {spec.summary} | {options} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(BEGIN, task_table(), END, sep="\n")
