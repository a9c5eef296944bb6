"""Per-sample isolation: a verdict depends on its own program alone.

Every case runs real programs in the real sandbox: a writer job leaves kernel objects (keys,
message queues, shared memory, files) and a later reader job, in the same warm worker, looks
for them; programs that learn HumanEval's answers across attempts; samples of one batch that try
to talk; neighbours that try to take another program's CPU or the host's memory. Expensive
variants are behind the slow marker."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import pytest
from code_data import humaneval_rows

from rlvr import get_verifier, verify
from rlvr.sandbox import (
    AssertTest,
    CallTest,
    Isolation,
    Limits,
    RunResult,
    SandboxPool,
    StdioTest,
    cgroups,
    isolation,
    meter,
    shared_pool,
    wire,
)
from rlvr.sandbox.guarantees import guarantees, warn_if_weaker
from rlvr.sandbox.result import TestOutcome as Outcome  # not collected as a test class
from rlvr.verifiers import math as math_pool

LIMITS = Limits(test_timeout=4.0, memory_mb=512, max_processes=32)

# Run inside the sandbox: every way a job could leave a note for a later one, as writer or reader.
# Each channel reports "found" (the reader saw the writer's note), "absent", or "denied: ..."
# when the kernel refused the writer; the reader only ever looks.
KERNEL_OBJECTS = r"""
import ctypes, ctypes.util, json, os, platform, sys
ROLE = sys.argv[-1] if False else input().strip()
libc = ctypes.CDLL(None, use_errno=True)
X86 = platform.machine() == "x86_64"
ADD_KEY, REQUEST_KEY, KEYCTL = (248, 249, 250) if X86 else (217, 218, 219)
KEY_SPEC_SESSION, KEY_SPEC_USER = -3, -4
NOTE = b"answer-is-42"
report = {}

def errno_text():
    return "denied: " + os.strerror(ctypes.get_errno())

def key(ring, name):
    ring_id = {"user": KEY_SPEC_USER, "session": KEY_SPEC_SESSION}[ring]
    if ROLE == "write":
        serial = libc.syscall(ADD_KEY, b"user", name, NOTE, len(NOTE), ring_id)
        return "written" if serial > 0 else errno_text()
    serial = libc.syscall(REQUEST_KEY, b"user", name, None, 0)
    if serial <= 0:
        serial = libc.syscall(KEYCTL, 10, ring_id, b"user", name, 0)  # KEYCTL_SEARCH
    return "found" if serial > 0 else "absent"

def mqueue():
    libc.mq_open.restype = ctypes.c_int
    if ROLE == "write":
        fd = libc.mq_open(b"/rlvr-note", os.O_CREAT | os.O_RDWR, 0o666, None)
        return "written" if fd >= 0 else errno_text()
    return "found" if libc.mq_open(b"/rlvr-note", os.O_RDONLY) >= 0 else "absent"

def sysv(kind):
    key_id = 0x2442
    get = {"shm": lambda flags: libc.shmget(key_id, 4096, flags), "msg": lambda flags: libc.msgget(key_id, flags),
           "sem": lambda flags: libc.semget(key_id, 1, flags)}[kind]
    if ROLE == "write":
        return "written" if get(0o1666) >= 0 else errno_text()  # IPC_CREAT | 0666
    return "found" if get(0) >= 0 else "absent"

def files():
    places = ["/tmp/rlvr-note", "/dev/shm/rlvr-note", "/var/tmp/rlvr-note", os.path.expanduser("~/../rlvr-note")]
    if ROLE == "write":
        written = []
        for place in places:
            try:
                with open(place, "w") as note:
                    note.write("42")
                written.append(place)
            except OSError:
                pass
        return "written: " + ",".join(written) if written else "denied: no writable place"
    return "found" if any(os.path.exists(place) for place in places) else "absent"

PROBES = [("user keyring", lambda: key("user", b"note")), ("session keyring", lambda: key("session", b"note")),
          ("posix mqueue", mqueue), ("sysv shm", lambda: sysv("shm")), ("sysv msg", lambda: sysv("msg")),
          ("sysv sem", lambda: sysv("sem")), ("files", files)]
for name, probe in PROBES:
    try:
        report[name] = probe()
    except Exception as exc:
        report[name] = f"error: {type(exc).__name__}: {exc}"
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def pool():
    sandbox = SandboxPool(size=1)  # one warm worker: every job runs where the last one ran
    yield sandbox
    sandbox.close()


def probe(pool: SandboxPool, role: str) -> dict:
    result = pool.run(KERNEL_OBJECTS, [StdioTest(role + "\n")], LIMITS, timeout=15)
    outcome = result.outcomes[0]
    assert result.failure is None and outcome.exit_code == 0, (result.error, outcome.stderr)
    return json.loads(outcome.stdout)


def test_a_reader_job_never_sees_what_a_writer_job_left(pool):
    """Writer then reader, many times through one warm worker: 0 readers see anything."""
    seen = []
    for _ in range(8):
        written = probe(pool, "write")
        found = probe(pool, "read")
        seen += [name for name, state in found.items() if state != "absent"]
    assert seen == [], f"readers found {seen}; the last writer reported {written}"


def test_keyring_calls_are_denied_to_programs(pool):
    written = probe(pool, "write")
    assert written["user keyring"].startswith("denied") and written["session keyring"].startswith("denied")


# A generic answer-learning program (the attack of issue 24): the entry point answers every new
# argument tuple with a guess (True, False, 0, 1, ...) and keeps, across attempts, which guesses
# HumanEval's `check` confirmed (it stops at the first failing assert, so a call that follows
# another confirms it). Its memory lives in whatever survives a job: the user keyring, a POSIX
# message queue. STORE may be given from outside (the control below keeps it in a dict).
LEARNER = r"""
import ctypes, json, os, platform
GUESSES = [True, False, 0, 1, 2, 3, 4, 5, -1, "", [], None, 6, 7, 8, 9, 10]

class KernelStore:
    def __init__(self):
        self.libc = ctypes.CDLL(None, use_errno=True)
        x86 = platform.machine() == "x86_64"
        self.add_key, self.keyctl = (248, 250) if x86 else (217, 219)
        self.libc.mq_open.restype = ctypes.c_int

    def load(self):
        serial = self.libc.syscall(self.keyctl, 10, -4, b"user", b"learn", 0)  # KEYCTL_SEARCH in @u
        if serial > 0:
            buffer = ctypes.create_string_buffer(65536)
            size = self.libc.syscall(self.keyctl, 11, serial, buffer, 65536)  # KEYCTL_READ
            if size > 0:
                return json.loads(buffer.raw[:size])
        queue = self.libc.mq_open(b"/learn", os.O_RDONLY | os.O_NONBLOCK)
        if queue >= 0:
            buffer = ctypes.create_string_buffer(8192)
            size = self.libc.mq_receive(queue, buffer, 8192, None)
            if size > 0:
                return json.loads(buffer.raw[:size])
        return {"tries": {}, "pending": None}

    def save(self, state):
        data = json.dumps(state).encode()
        self.libc.syscall(self.add_key, b"user", b"learn", data, len(data), -4)
        self.libc.mq_unlink(b"/learn")
        queue = self.libc.mq_open(b"/learn", os.O_CREAT | os.O_WRONLY | os.O_NONBLOCK, 0o666, None)
        if queue >= 0:
            self.libc.mq_send(queue, data, len(data), 0)

store = globals().get("STORE") or KernelStore()
state = store.load()
if state["pending"] is not None:  # the attempt ended on that call: its guess was wrong
    state["tries"][state["pending"]] = state["tries"].get(state["pending"], 0) + 1
state["pending"] = None

def ENTRY(*args):
    key = repr(args)
    state["pending"] = key  # the previous call, if any, was confirmed by this one
    store.save(state)
    return GUESSES[state["tries"].get(key, 0) % len(GUESSES)]
"""
# HumanEval tasks whose answers the learner reaches within a few attempts when it can keep notes.
LEARNABLE = ("HumanEval/0", "HumanEval/3", "HumanEval/52")


def learner_for(row: dict) -> str:
    return "```python\n" + LEARNER.replace("ENTRY", row["entry_point"]) + "\n```"


@pytest.fixture(scope="module")
def learnable_rows():
    rows = {row["task_id"]: row for row in humaneval_rows()}
    return [rows[task] for task in LEARNABLE]


class DictStore:
    def __init__(self) -> None:
        self.saved = {"tries": {}, "pending": None}

    def load(self) -> dict:
        return json.loads(json.dumps(self.saved))

    def save(self, state: dict) -> None:
        self.saved = json.loads(json.dumps(state))


def test_the_learner_reaches_full_marks_when_it_can_keep_notes(learnable_rows):
    """The control: with a memory that survives attempts (here a dict, run in this process against
    the real `check`), the learner passes every task within 12 attempts."""
    for row in learnable_rows:
        store, attempts = DictStore(), 0
        for attempt in range(1, 13):
            attempts = attempt
            namespace: dict = {"STORE": store}
            exec(row["prompt"] + "\n" + LEARNER.replace("ENTRY", row["entry_point"]), namespace)
            exec(row["test"], namespace)
            try:
                namespace["check"](namespace[row["entry_point"]])
                break
            except AssertionError:
                continue
        else:
            pytest.fail(f"the learner did not learn {row['task_id']}")
        assert attempts > 1, f"{row['task_id']} was not learned but guessed"


def test_the_learner_never_reaches_full_marks_through_the_sandbox(learnable_rows):
    """0 full marks in 12 attempts per task, and 0 in a group of 16 identical samples."""
    full_marks = []
    for row in learnable_rows:
        completion = learner_for(row)
        for attempt in range(12):
            verdict = verify(completion, row, task="humaneval")
            assert not verdict.failed, verdict
            if verdict.score == 1.0:
                full_marks.append((row["task_id"], attempt))
        group = get_verifier("humaneval").verify_batch([completion] * 16, [row] * 16)
        full_marks += [(row["task_id"], "group") for verdict in group if verdict.score == 1.0]
    assert full_marks == []


def test_python_m_rlvr_reports_the_guarantees_in_force():
    report = subprocess.run([sys.executable, "-m", "rlvr"], capture_output=True, text=True, timeout=120).stdout
    for guarantee in guarantees():
        assert f"[{'x' if guarantee.held else ' '}] {guarantee.name}: {guarantee.how}" in report


def test_weaker_isolation_warns_once():
    weak = Isolation("process", "rlimits", False, False, False, False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_if_weaker(weak)
        warn_if_weaker(weak)
    assert len(caught) == 1 and "no network" in str(caught[0].message)


@pytest.fixture(params=["cgroup", "no cgroup"])
def any_pool(request, monkeypatch):
    """A one-worker pool with this machine's cgroups, and one that runs as if there were none."""
    if request.param == "no cgroup":
        monkeypatch.setattr(cgroups, "detect", lambda: cgroups.CgroupSupport(False, "disabled by the test"))
    elif not cgroups.detect().usable:
        pytest.fail(f"this machine offers no usable cgroup: {cgroups.detect().why}")
    sandbox = SandboxPool(size=1)
    yield sandbox
    sandbox.close()


def test_nothing_survives_a_job_with_or_without_cgroups(any_pool):
    for _ in range(3):
        probe(any_pool, "write")
        assert set(probe(any_pool, "read").values()) == {"absent"}


MEMORY_HOG = r"""
import mmap, os, time
for _ in range(4):
    if os.fork() == 0:
        try:
            for _ in range(8):  # 128 MiB in files of 16 MiB (max_file_mb)
                fd = os.memfd_create("hoard")
                os.ftruncate(fd, 16 << 20)
                mmap.mmap(fd, 16 << 20).write(b"x" * (16 << 20))
            print("memfd held", flush=True)
        except OSError as exc:
            print("memfd", type(exc).__name__, flush=True)
        block = bytearray(300 << 20)
        block[::4096] = b"y" * len(block[::4096])
        time.sleep(1)
        os._exit(0)
for _ in range(4):
    os.wait()
"""


def test_memory_bounds_the_whole_job(any_pool):
    """4 processes of 300 MiB plus 128 MiB of memfd each under memory_mb=512: with a cgroup the job
    never holds more than the limit (the kernel's own peak of the group); without, memfd is denied."""
    limits = Limits(test_timeout=10.0, memory_mb=512, max_processes=32)
    outcome = any_pool.run(MEMORY_HOG, [StdioTest()], limits, timeout=30).outcomes[0]
    worker = any_pool.workers()[0]
    if worker.cgroup:
        with open(os.path.join(worker.cgroup["memory"], "memory.max_usage_in_bytes")) as peak:
            assert int(peak.read()) <= 512 << 20
        assert outcome.memory_exceeded and "memfd held" in outcome.stdout
    else:
        assert outcome.stdout.count("memfd PermissionError") == 4, outcome


SPINNERS = r"""
import os, time
for _ in range({count}):
    if os.fork() == 0:
        try:
            os.setsid()
        except OSError:
            pass
        while True:
            pass
time.sleep(60)
"""
BURN = (
    "import time\ndef burn():\n    start = time.process_time()\n"
    "    while time.process_time() - start < {seconds}:\n        pass\n    return 1\n"
)


def cpu_hog_beside_correct_programs(pool: SandboxPool, spinners: int, programs: int, hog_seconds: float) -> list:
    """Run a session-splitting hog (for `hog_seconds` of CPU time) and `programs` correct
    CPU-bound programs (0.3 s each, 4 s limit) at once; their (failure, passed, error)."""
    hog_limits = Limits(test_timeout=hog_seconds, memory_mb=512, max_processes=spinners + 4)
    with ThreadPoolExecutor(programs + 1) as executor:
        hog = executor.submit(pool.run, SPINNERS.format(count=spinners), [StdioTest()], hog_limits, 30)
        time.sleep(0.5)  # the spinners are running before the correct programs start
        runs = [
            executor.submit(
                pool.run, BURN.format(seconds=0.3), [AssertTest("assert burn() == 1\n")], Limits(test_timeout=4.0), 30
            )
            for _ in range(programs)
        ]
        results = [run.result() for run in runs]
        assert hog.result().outcomes[0].timed_out
    return [(result.failure, result.outcomes[0].passed, result.outcomes[0].error) for result in results]


def test_a_session_splitting_cpu_hog_flips_no_neighbour(any_pool):
    pool = SandboxPool(size=3)
    try:
        verdicts = cpu_hog_beside_correct_programs(pool, spinners=16, programs=2, hog_seconds=2.0)
    finally:
        pool.close()
    assert verdicts == [(None, True, None)] * 2


@pytest.mark.slow
def test_sixty_setsid_spinners_flip_none_of_four_neighbours():
    pool = SandboxPool(size=5)
    try:
        verdicts = cpu_hog_beside_correct_programs(pool, spinners=60, programs=4, hog_seconds=4.0)
    finally:
        pool.close()
    assert verdicts == [(None, True, None)] * 4


MBPP_SLEEPER = {"test_list": ["assert answer() == 1"]}


def test_a_program_that_sleeps_is_judged_not_skipped():
    """Sleeping past the wall-clock cap is the program's choice: a judged timeout, never a failure
    that would turn a wrong answer into a skipped sample."""
    verdict = verify("import time\ndef answer():\n    time.sleep(60)\n", MBPP_SLEEPER, task="mbpp", test_timeout=1.0)
    assert verdict.reason == "program_timeout" and not verdict.failed
    assert "reached the wall-clock cap" in verdict.detail["tests"][0]["error"]


def test_a_program_the_machine_starves_is_a_failure_not_a_judgement(pool):
    """The worker's cpu group throttled to 1% of a CPU (as a machine too busy would): the program
    is runnable but cannot spend its CPU time, past the wall-clock cap (it is given more time) and
    until the call's timeout, so nothing is judged."""
    if not cgroups.detect().usable:
        pytest.fail(f"this machine offers no usable cgroup: {cgroups.detect().why}")
    probe(pool, "read")  # the worker is up
    quota = os.path.join(pool.workers()[0].cgroup["cpu"], "cpu.cfs_quota_us")
    with open(quota, "w") as setting:
        setting.write("1000")
    try:
        started = time.monotonic()
        result = pool.run(BURN.format(seconds=0.5), [AssertTest("assert burn() == 1\n")], Limits(test_timeout=1.0), 6)
        seconds = time.monotonic() - started
    finally:
        with open(quota, "w") as setting:
            setting.write("-1")
    outcome = result.outcomes[0]
    assert outcome.timed_out and outcome.starved, outcome
    assert 5 < seconds < 7, "waited past the wall-clock cap (3 s) until the call's timeout"


def caller_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


FRACTION_BOMB = (
    "from fractions import Fraction\nimport random\n"
    "def answer(x):\n"
    "    r = random.Random(1)\n"
    "    a, b = r.getrandbits(2_000_000) | 1, r.getrandbits(2_000_000) | 1\n"
    "    try:\n        return Fraction(a * 6, b * 6, _normalize=False)\n"
    "    except TypeError:\n        return Fraction._from_coprime_ints(a * 6, b * 6)\n"
)


def test_an_unreduced_fraction_of_huge_numbers_costs_the_caller_nothing():
    """The Fraction bomb: returns within timeout + 2 s, under 1 s of the caller's CPU, judged wrong."""
    truth = {"inputs": [[1]], "outputs": [0.5], "fn_name": "answer"}
    verify("def answer(x):\n    return 0.5\n", truth, task="apps")  # the pool is warm
    started, cpu = time.monotonic(), caller_cpu()
    verdict = verify(FRACTION_BOMB, truth, task="apps", timeout=20)
    assert time.monotonic() - started < 20 + 2 and caller_cpu() - cpu < 1.0
    assert verdict.reason == "mismatch" and not verdict.failed
    assert "larger than" in verdict.detail["tests"][0]["error"]


@pytest.mark.parametrize(
    "tree",
    [["q", hex(3 << 2_000_000), hex(5 << 2_000_000)], ["i", hex(1 << 3_000_000)], ["D", "9" * 1_000_000]],
    ids=["fraction", "int", "decimal"],
)
def test_a_forged_value_is_rejected_before_it_is_rebuilt(tree):
    """What a program could send bypassing the encoder: refused by size, in linear time."""
    cpu = caller_cpu()
    with pytest.raises(wire.WireError, match="larger than"):
        wire.decode(tree, lambda index, name: None)
    assert caller_cpu() - cpu < 0.5


def test_fractions_still_cross_exactly():
    program = "from fractions import Fraction\ndef answer(x):\n    return Fraction(6, 4) + x\n"
    truth = {"inputs": [[1]], "outputs": [0.5], "fn_name": "answer"}
    result = shared_pool().run(program, [CallTest("answer", (1,))], Limits(), timeout=10)
    assert result.outcomes[0].value == Fraction(5, 2) and type(result.outcomes[0].value) is Fraction
    assert verify(program.replace("+ x", "- x"), truth, task="apps").score == 1.0


def test_a_program_printing_nul_bytes_is_judged_and_the_workers_live_on():
    """1 MiB of NUL bytes per test (6 bytes each in the reply) over 20 tests: an output limit, judged."""
    truth = {"inputs": ["1"] * 20, "outputs": ["1"] * 20}
    verify("print(1)", truth, task="apps")
    before = [worker.process.pid for worker in shared_pool().workers()]
    verdict = verify("import sys\nsys.stdout.write('\\x00' * (1 << 20))\n", truth, task="apps", timeout=60)
    assert verdict.reason == "mismatch" and not verdict.failed
    assert any(test.get("output_limit") for test in verdict.detail["tests"])
    assert set(before) <= {worker.process.pid for worker in shared_pool().workers()}


def test_a_closed_shared_pool_is_replaced_on_next_use_for_both_kinds():
    mbpp = {"test_list": ["assert add(1, 2) == 3"]}
    shared_pool().close()
    assert verify("def add(a, b):\n    return a + b\n", mbpp, task="mbpp").score == 1.0
    math_pool.shared_pool().close()
    assert verify("So $\\boxed{\\frac{\\sqrt{2}}{2}}$.", "\\frac{1}{\\sqrt{2}}", task="math").score == 1.0
    assert not shared_pool().closed and not math_pool.shared_pool().closed


def test_lowering_its_own_priority_is_denied(pool):
    """A program that made itself nice (or SCHED_IDLE) would wait in the run queue by choice and
    pass for starved: a failure instead of a judged timeout."""
    program = (
        "import os\nfor attempt in (lambda: os.nice(19), lambda: os.sched_setscheduler(0, os.SCHED_IDLE, "
        "os.sched_param(0))):\n    try:\n        attempt()\n        print('allowed')\n"
        "    except PermissionError:\n        print('denied')\n"
    )
    outcome = pool.run(program, [StdioTest()], LIMITS, timeout=15).outcomes[0]
    assert outcome.stdout == "denied\ndenied\n", outcome


def test_files_in_the_working_directory_count_against_the_job():
    """tmpfs pages are memory too: 20 files of 16 MiB under memory_mb=128 never hold more than that."""
    if not cgroups.detect().usable:
        pytest.fail(f"this machine offers no usable cgroup: {cgroups.detect().why}")
    program = (
        "for i in range(20):\n    with open(f'f{i}', 'wb') as f:\n        f.write(b'x' * (16 << 20))\nprint('wrote')\n"
    )
    sandbox = SandboxPool(size=1)
    try:
        outcome = sandbox.run(program, [StdioTest()], Limits(test_timeout=10.0, memory_mb=128), timeout=30).outcomes[0]
        with open(os.path.join(sandbox.workers()[0].cgroup["memory"], "memory.max_usage_in_bytes")) as peak:
            assert int(peak.read()) <= 128 << 20
        assert outcome.stdout != "wrote\n", outcome
    finally:
        sandbox.close()


def test_without_a_private_ipc_namespace_queues_are_denied_and_sysv_objects_removed(monkeypatch):
    """A worker that may not give its children IPC namespaces (an unprivileged bubblewrap has no
    CAP_SYS_ADMIN): POSIX queues are denied, SysV objects removed after each child; still 0 seen."""
    monkeypatch.setattr(isolation, "WORKER_CAPS", tuple(c for c in isolation.WORKER_CAPS if c != "CAP_SYS_ADMIN"))
    sandbox = SandboxPool(size=1)
    try:
        written = probe(sandbox, "write")
        assert written["posix mqueue"].startswith("denied") and written["sysv shm"] == "written"
        assert set(probe(sandbox, "read").values()) == {"absent"}
    finally:
        sandbox.close()


def test_a_closed_pool_leaves_no_cgroup_behind():
    if not cgroups.detect().usable:
        pytest.fail(f"this machine offers no usable cgroup: {cgroups.detect().why}")
    sandbox = SandboxPool(size=1)
    probe(sandbox, "read")
    folders = list(sandbox.workers()[0].cgroup.values())
    assert folders and all(os.path.isdir(folder) for folder in folders)
    sandbox.close()
    assert not any(os.path.exists(folder) for folder in folders)


@pytest.mark.parametrize(
    ("outcomes", "reason"),
    [
        ([Outcome(passed=False, timed_out=True, starved=True)], "timeout"),
        ([Outcome(passed=True), Outcome(passed=False, timed_out=True, starved=True)], "timeout"),
        ([Outcome(passed=False, timed_out=True)], "program_timeout"),
        ([Outcome(passed=False), Outcome(passed=False, timed_out=True, starved=True)], "mismatch"),
    ],
    ids=["starved", "passed-then-starved", "slept-or-spent", "wrong-and-starved"],
)
def test_a_starved_test_is_never_judged_unless_another_test_was(outcomes, reason):
    """The code verifiers' mapping: starved alone is the machine's failure; a test the program got
    wrong is still a judgement."""
    result = RunResult(tuple(outcomes))
    verdict = get_verifier("mbpp").verdict("p", False, [o.passed is True for o in outcomes], result)
    assert verdict.reason == reason and verdict.failed == (reason == "timeout")


def test_groups_of_processes_killed_before_they_could_remove_them_are_swept():
    if not cgroups.detect().usable:
        pytest.fail(f"this machine offers no usable cgroup: {cgroups.detect().why}")
    gone = subprocess.Popen(["true"])
    gone.wait()
    leftovers = [
        os.path.join(parent, f"{cgroups.WORKER_PREFIX}{gone.pid}-0") for parent in cgroups.detect().parents.values()
    ]
    for folder in leftovers:
        os.mkdir(folder)
    cgroups._sweep(cgroups.detect().parents)
    assert not any(os.path.exists(folder) for folder in leftovers)


@pytest.mark.parametrize(
    ("program", "passed", "reason"),
    [(BURN.format(seconds=0.5), True, None), ("def burn():\n    while True:\n        pass\n", False, "CPU time")],
    ids=["correct: passes", "endless loop: judged by its CPU time"],
)
def test_a_program_starved_past_the_cap_gets_a_fresh_chance(pool, program, passed, reason):
    """Throttled to 1% of a CPU for 4 s, past its 3 s wall-clock cap, then given the CPU back: the
    program is not blamed for the machine's wait. It gets more time and is judged on its own
    CPU time, well before the call's timeout."""
    if not cgroups.detect().usable:
        pytest.fail(f"this machine offers no usable cgroup: {cgroups.detect().why}")
    probe(pool, "read")
    quota = os.path.join(pool.workers()[0].cgroup["cpu"], "cpu.cfs_quota_us")

    def set_quota(value: str) -> None:
        with open(quota, "w") as setting:
            setting.write(value)

    set_quota("1000")
    lift = threading.Timer(4.0, set_quota, args=("-1",))
    lift.start()
    try:
        started = time.monotonic()
        result = pool.run(program, [AssertTest("assert burn() == 1\n")], Limits(test_timeout=1.0), 20)
        seconds = time.monotonic() - started
    finally:
        lift.cancel()
        set_quota("-1")
    outcome = result.outcomes[0]
    assert outcome.passed is passed and not outcome.starved, outcome
    assert reason is None or reason in outcome.error, outcome
    assert 4 < seconds < 15, seconds


class _Tree:
    """A process tree with given readings (meter.Tree's interface)."""

    def __init__(self) -> None:
        self.cpu, self.waited, self.threads = 0.0, 0.0, 1

    def cpu_seconds(self) -> float:
        return self.cpu

    def run_queue_wait(self) -> tuple[float, int]:
        return self.waited, self.threads


@pytest.mark.parametrize(
    ("cpu", "waited", "threads", "credited"),
    [(0.2, 0.8, 1, 0.8), (1.0, 8.0, 16, 0.0), (0.5, 2.0, 3, 1.0)],
    ids=["one thread starved", "16 threads waiting behind each other", "partly self-inflicted"],
)
def test_the_wait_of_a_jobs_threads_behind_each_other_is_not_the_machines(cpu, waited, threads, credited):
    """A job's threads waiting behind one another is the job's own doing: up to (threads - 1) x
    its CPU time of the wait is not credited as the machine's (content never passes for a failure)."""
    tree = _Tree()
    clock = meter.Clock(tree, cpu_limit=4.0, wall_cap=9.0, deadline=time.monotonic() + 20)  # type: ignore[arg-type]
    assert clock.machine_wait() == 0.0  # the first poll reads the baseline
    clock.started -= 1.0  # one second of wall clock has passed
    tree.cpu, tree.waited, tree.threads = cpu, waited, threads
    assert clock.machine_wait() == pytest.approx(credited)


@pytest.mark.parametrize(
    ("deadline_passed", "waited", "spent"),
    [(True, 0.8, "starved"), (True, 0.1, "slept"), (False, 0.8, "slept")],
    ids=["the call's deadline while starved", "the call's deadline while asleep", "an answer that never finished"],
)
def test_only_the_calls_deadline_reached_while_starved_is_the_machines(deadline_passed, waited, spent):
    """Starved is a failure only at the call's deadline: before it (a reply begun and never
    finished, the clock gave up waiting), the program's own doing is judged."""
    tree = _Tree()
    started = time.monotonic()
    clock = meter.Clock(tree, cpu_limit=4.0, wall_cap=9.0, deadline=started + (0.0 if deadline_passed else 60))  # type: ignore[arg-type]
    clock.machine_wait()  # the first poll reads the baseline
    clock.started -= 1.0
    tree.cpu, tree.waited = 0.1, waited
    assert clock.expire() == spent
