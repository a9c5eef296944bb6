"""The attack suite: hostile programs are contained, reported, and leave nothing behind.

Each case runs a real program in the real sandbox (bubblewrap where installed) and asserts both
what the result reports and, where it matters, what the host observes afterwards (no surviving
process, no file written, no connection accepted)."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

from rlvr.api import verify
from rlvr.sandbox import AssertTest, Limits, SandboxPool, StdioTest
from rlvr.sandbox.meter import WALL_FACTOR

LIMITS = Limits(test_timeout=2.0, memory_mb=512, max_processes=32)


@pytest.fixture(scope="module")
def pool():
    sandbox = SandboxPool(size=2)
    yield sandbox
    sandbox.close()


def run_one(pool: SandboxPool, program: str, stdin: str = "", limits: Limits = LIMITS):
    started = time.monotonic()
    result = pool.run(program, [StdioTest(stdin)], limits, timeout=10)
    return result, result.outcomes[0], time.monotonic() - started


def live_sandbox_processes(pool: SandboxPool) -> list[str]:
    """Host processes still running (not zombies awaiting their reaper) as the pool's uids."""
    deadline = time.monotonic() + 2
    while True:
        found = []
        uids = set(pool.uids())
        for entry in os.listdir("/proc"):
            try:
                if entry.isdigit() and os.stat(f"/proc/{entry}").st_uid in uids:
                    state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
                    if state != "Z":
                        found.append(f"{entry}:{state}")
            except OSError:
                pass
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_isolation_is_reported_and_strong_here(pool):
    result, outcome, _ = run_one(pool, "print('hi')")
    assert outcome.stdout == "hi\n"
    assert result.isolation == pool.isolation.as_dict()
    assert result.isolation["level"] == "namespaces"
    assert result.isolation["network_isolated"] and result.isolation["filesystem_read_only"]


def test_fork_bomb_is_contained_and_leaves_no_process(pool):
    program = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    _, outcome, seconds = run_one(pool, program)
    assert outcome.timed_out and seconds < LIMITS.test_timeout * WALL_FACTOR + 1 + 2
    assert live_sandbox_processes(pool) == []
    assert run_one(pool, "print(1)")[1].stdout == "1\n"  # the worker still serves


@pytest.mark.parametrize(
    "program",
    ["data = bytearray(10**11)\n", "chunks = []\nwhile True:\n    chunks.append(bytearray(10**7))\n"],
    ids=["one-huge-allocation", "growing"],
)
def test_memory_bomb_is_stopped_and_reported(pool, program):
    # Generous time: touching 256 MiB of fresh pages takes a second or two on a busy VM.
    _, outcome, _ = run_one(pool, program, limits=Limits(test_timeout=15.0, memory_mb=256))
    assert outcome.memory_exceeded and outcome.exit_code != 0 and not outcome.timed_out


def test_infinite_loop_is_killed_at_the_time_limit(pool):
    """Killed once it spent its CPU time, or at the wall-clock cap on a machine too busy to give
    it that much (then the machine is blamed: `starved`)."""
    _, outcome, seconds = run_one(pool, "while True:\n    pass\n")
    assert outcome.timed_out and outcome.signal == 9
    assert LIMITS.test_timeout <= seconds < LIMITS.test_timeout * WALL_FACTOR + 1 + 1.5
    assert outcome.starved == (seconds >= LIMITS.test_timeout * WALL_FACTOR + 1)


def test_infinite_output_is_capped_and_stopped_early(pool):
    limits = Limits(test_timeout=5.0, output_bytes=100_000)
    _, outcome, seconds = run_one(pool, "while True:\n    print('x' * 1000)\n", limits=limits)
    assert outcome.output_limit and outcome.stdout_truncated
    assert len(outcome.stdout) == 100_000 and seconds < 3


def test_sleeping_child_that_outlives_the_parent_is_killed(pool):
    program = "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(120)\nprint('parent done')\n"
    _, outcome, seconds = run_one(pool, program)
    assert outcome.stdout == "parent done\n" and not outcome.timed_out
    assert seconds < 2  # the grandchild holds stdout open, yet the harness does not wait for it
    assert live_sandbox_processes(pool) == []


def test_tcp_listener_on_loopback_is_unreachable(pool):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        program = (
            "import socket\n"
            "try:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=1)\n"
            "    print('connected')\n"
            "except OSError as exc:\n"
            "    print('blocked', type(exc).__name__)\n"
        )
        _, outcome, _ = run_one(pool, program)
        assert outcome.stdout.startswith("blocked")
        with pytest.raises(socket.timeout):
            listener.accept()


def test_dns_lookup_fails(pool):
    program = (
        "import socket\n"
        "try:\n"
        "    socket.getaddrinfo('pypi.org', 443)\n"
        "    print('resolved')\n"
        "except OSError as exc:\n"
        "    print('blocked', type(exc).__name__)\n"
    )
    assert run_one(pool, program)[1].stdout.startswith("blocked")


def test_writing_outside_the_working_directory_fails(pool):
    target = Path(__file__).with_name("escaped-from-sandbox.txt")
    program = (
        "import os\n"
        f"for path in [{str(target)!r}, '/tmp/escaped.txt', '/etc/escaped', os.path.expanduser('~/../x')]:\n"
        "    try:\n"
        "        open(path, 'w').write('x')\n"
        "        print('wrote', path)\n"
        "    except OSError as exc:\n"
        "        print('denied', type(exc).__name__)\n"
        "open('inside.txt', 'w').write('ok')\n"
        "print(open('inside.txt').read())\n"
    )
    _, outcome, _ = run_one(pool, program)
    lines = outcome.stdout.splitlines()
    assert lines[0] == "denied FileNotFoundError"  # the project folder does not exist inside
    assert all(line.startswith("denied") for line in lines[1:4])
    assert lines[4] == "ok"
    assert not target.exists() and not Path("/etc/escaped").exists()


def test_parent_environment_is_not_visible(monkeypatch):
    monkeypatch.setenv("RLVR_TEST_SECRET_KEY", "s3cr3t-value")
    fresh = SandboxPool(size=1)  # started after the variable was set in this process
    try:
        program = (
            "import os, glob\n"
            "print(sorted(os.environ))\n"
            "for path in glob.glob('/proc/*/environ'):\n"
            "    try:\n"
            "        print(open(path, 'rb').read())\n"
            "    except OSError:\n"
            "        pass\n"
        )
        _, outcome, _ = run_one(fresh, program)
        assert "s3cr3t-value" not in outcome.stdout and "RLVR_TEST_SECRET_KEY" not in outcome.stdout
        assert outcome.stdout.startswith("['HOME', 'LANG', 'PATH', 'PYTHONHASHSEED', 'TMPDIR']")
    finally:
        fresh.close()


def test_killing_the_parent_and_everyone_fails_and_the_pool_survives():
    single = SandboxPool(size=1)
    try:
        program = (
            "import os, signal\n"
            "for pid in (os.getppid(), 1, -1, 0):\n"
            "    try:\n"
            "        os.kill(pid, signal.SIGKILL)\n"
            "        print('killed', pid, flush=True)\n"
            "    except OSError as exc:\n"
            "        print('denied', pid, type(exc).__name__, flush=True)\n"
        )
        _, outcome, _ = run_one(single, program)
        lines = outcome.stdout.splitlines()
        # The zygote (its parent) and the namespace's init are out of reach; kill(-1) reaches
        # only other processes of the program's own uid (none), and kill(0) its own group.
        assert lines[0].startswith("denied") and lines[0].endswith("PermissionError")
        assert lines[1:] == ["denied 1 PermissionError", "killed -1"] and outcome.signal == 9
        assert run_one(single, "print(2 + 2)")[1].stdout == "4\n"
    finally:
        single.close()


MBPP_TRUTH = {
    "test_list": ["assert add(1, 2) == 3", "assert add(2, 2) == 4", "assert abs(add(0.5, 0.25) - 0.75) < 1e-9"]
}

HACKS = {
    "exit 0 before tests": "import sys\nsys.exit(0)\ndef add(a, b):\n    return 0\n",
    "os._exit(0) at import": "import os\nos._exit(0)\n",
    "os._exit(0) inside the call": "import os\ndef add(a, b):\n    os._exit(0)\n",
    "raise SystemExit in the call": "def add(a, b):\n    raise SystemExit(0)\n",
    "print passed": "print('passed')\nprint('All tests passed')\ndef add(a, b):\n    return None\n",
    "redefine assert builtins": (
        "import builtins\n"
        "builtins.AssertionError = type('Nope', (Exception,), {})\n"
        "builtins.abs = lambda x: 0\n"
        "def abs(x):\n    return 0\n"
        "def add(a, b):\n    return -1\n"
    ),
    "patch sys.exit": (
        "import sys\nsys.exit = lambda *a: None\nimport os\nos._exit = lambda *a: None\n"
        "def add(a, b):\n    sys.exit(0)\n"
    ),
    "always-equal object": (
        "class Eq(int):\n    def __eq__(self, other):\n        return True\n"
        "    def __ne__(self, other):\n        return False\n"
        "    __hash__ = int.__hash__\n"
        "class Any:\n    def __eq__(self, other):\n        return True\n"
        "    def __sub__(self, other):\n        return self\n"
        "    def __abs__(self):\n        return 0\n    def __lt__(self, other):\n        return True\n"
        "def add(a, b):\n    return Eq(-1) if isinstance(a, int) else Any()\n"
    ),
    "forge the harness channel": (
        "import os\n"
        "for fd in range(3, 64):\n"
        "    try:\n"
        "        os.write(fd, b'\\x00\\x00\\x00\\x0b[\"ok\",true]')\n"
        "    except OSError:\n"
        "        pass\n"
        "def add(a, b):\n    return None\n"
    ),
}


@pytest.mark.parametrize("program", list(HACKS.values()), ids=list(HACKS))
def test_reward_hacks_score_zero(program):
    verdict = verify(program, MBPP_TRUTH, task="mbpp", timeout=15)
    assert verdict.score == 0.0, verdict.detail
    assert verdict.detail["isolation"]["level"] == "namespaces"


def test_honest_program_scores_one_alongside_the_hacks():
    v = verify("def add(a, b):\n    return a + b\n", MBPP_TRUTH, task="mbpp")
    assert v.score == 1.0, v.detail


def test_a_crash_in_one_test_does_not_hide_the_others():
    program = "import os\ndef add(a, b):\n    if a == 1:\n        os._exit(3)\n    return a + b\n"
    verdict = verify(program, MBPP_TRUTH, task="mbpp")
    assert verdict.score == pytest.approx(2 / 3)
    assert [t["passed"] for t in verdict.detail["tests"]] == [False, True, True]


def test_asserts_of_one_program_share_a_child_as_in_mbpps_own_harness(pool):
    program = "calls = 0\ndef tick():\n    global calls\n    calls += 1\n    return calls\n"
    tests = [AssertTest("assert tick() == 1\n"), AssertTest("assert tick() == 2\n"), AssertTest("assert tick() == 3\n")]
    result = pool.run(program, tests, LIMITS, timeout=10)
    assert [o.passed for o in result.outcomes] == [True, True, True], result


def test_a_hung_test_retires_its_child_and_the_next_test_gets_a_fresh_one(pool):
    program = "def add(a, b):\n    while a == 1:\n        pass\n    return a + b\n"
    tests = [
        AssertTest("assert add(1, 2) == 3\n"),
        AssertTest("assert add(2, 2) == 4\n"),
        AssertTest("assert add(3, 4) == 7\n"),
    ]
    result = pool.run(program, tests, Limits(test_timeout=1.0, memory_mb=512), timeout=10)
    assert [o.passed for o in result.outcomes] == [False, True, True]
    assert result.outcomes[0].timed_out and not result.outcomes[1].timed_out
    assert live_sandbox_processes(pool) == []


def test_test_code_that_swallows_a_dead_child_does_not_poison_the_next_test(pool):
    program = "import os\ndef add(a, b):\n    if a == 1:\n        os._exit(0)\n    return a + b\n"
    tests = [AssertTest("try:\n    add(1, 2)\nexcept Exception:\n    pass\n"), AssertTest("assert add(2, 2) == 4\n")]
    result = pool.run(program, tests, LIMITS, timeout=10)
    assert [o.passed for o in result.outcomes] == [True, True]


def test_a_shared_child_gets_cpu_time_for_every_test_it_serves(pool):
    # Each test burns 0.5 s of CPU, far under its 3 s wall limit even on a loaded machine (up to
    # 6x slower); the nine together (4.5 s) would pass one test's CPU limit (4 s) and kill the last.
    program = (
        "import time\ndef burn():\n    start = time.process_time()\n"
        "    while time.process_time() - start < 0.5:\n        pass\n    return 1\n"
    )
    tests = [AssertTest("assert burn() == 1\n")] * 9
    result = pool.run(program, tests, Limits(test_timeout=3.0, memory_mb=512), timeout=60)
    assert [o.passed for o in result.outcomes] == [True] * 9, [o.error for o in result.outcomes]
