"""Per-sample isolation: a verdict depends on its own program alone.

Every case runs real programs in the real sandbox: a writer job leaves kernel objects (keys,
message queues, shared memory, files) and a later reader job, in the same warm worker, looks
for them; programs that learn HumanEval's answers across attempts; samples of one batch that try
to talk; neighbours that try to take another program's CPU or the host's memory. Expensive
variants are behind the slow marker."""

from __future__ import annotations

import json

import pytest
from code_data import humaneval_rows

from rlvr import get_verifier, verify
from rlvr.sandbox import Limits, SandboxPool, StdioTest

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
