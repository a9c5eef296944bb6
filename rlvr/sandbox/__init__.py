"""Running untrusted programs: isolation, limits, per-test outcomes and a thread-safe pool.

    from rlvr.sandbox import SandboxPool, StdioTest, AssertTest, CallTest, Limits
    pool = SandboxPool()
    result = pool.run("print(input()[::-1])", [StdioTest("abc\\n")], Limits(test_timeout=2))
    result.outcomes[0].stdout      # "cba\\n"
    result.isolation               # {"level": "namespaces", ...}

See isolation.py for the levels, worker.py for the process layout, wire.py for how values
cross from the program to the trusted side, cgroups.py and meter.py for each job's own budget,
and guarantees.py for what holds on this machine (`python -m rlvr` prints it).
"""

from rlvr.sandbox.isolation import Isolation, SandboxUnavailable, detect
from rlvr.sandbox.limits import Limits
from rlvr.sandbox.pool import LANGUAGES, SandboxPool, shared_pool
from rlvr.sandbox.result import AssertTest, CallTest, Opaque, RunResult, StdioTest, TestOutcome

__all__ = [
    "LANGUAGES",
    "AssertTest",
    "CallTest",
    "Isolation",
    "Limits",
    "Opaque",
    "RunResult",
    "SandboxPool",
    "SandboxUnavailable",
    "StdioTest",
    "TestOutcome",
    "detect",
    "shared_pool",
]
