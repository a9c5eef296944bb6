"""The doors of issue 15, each as an attack (the hack scores 0, the escape finds nothing), and the
value kinds correct programs return, each as a false-negative test.

Every case runs real programs in the real sandbox through the public API or the pool."""

from __future__ import annotations

import ast
import glob
import os
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path

import pytest
from code_data import humaneval_rows, mbpp_rows
from shared_data import DATA_DIR, data_file

from rlvr.api import verify
from rlvr.sandbox import AssertTest, Limits, SandboxPool, StdioTest, cgroups, wire
from rlvr.sandbox.isolation import SCRIPTS, Isolation
from rlvr.sandbox.mounts import python_binds
from rlvr.sandbox.pool import HOST_GRACE

LIMITS = Limits(test_timeout=5.0, memory_mb=512)


@pytest.fixture(scope="module")
def pool():
    sandbox = SandboxPool(size=1)  # one worker: every job of the module meets the previous ones' leftovers
    yield sandbox
    sandbox.close()


def humaneval(task_id: str) -> dict:
    return next(row for row in humaneval_rows() if row["task_id"] == task_id)


def mbpp(task_id: int) -> dict:
    return next(row for row in mbpp_rows() if row["task_id"] == task_id)


# Door 1: a wrong solution that also redefines a name the test relies on.
HIJACKS = {
    "HumanEval/32 own poly": ("HumanEval/32", "    return 0.0\n\ndef poly(xs, x):\n    return 0.0\n"),
    "HumanEval/38 own encode_cyclic": ("HumanEval/38", "    return s\n\ndef encode_cyclic(s):\n    return s\n"),
    "HumanEval/50 own encode_shift": ("HumanEval/50", "    return s\n\ndef encode_shift(s):\n    return s\n"),
    "HumanEval/53 own range": (  # right on the fixed asserts only; the random ones loop over range(100)
        "HumanEval/53",
        "    return {(0, 1): 1, (1, 0): 1, (2, 3): 5, (5, 7): 12, (7, 5): 12}.get((x, y), 0)\n\n"
        "def range(*args):\n    return []\n",
    ),
}


@pytest.mark.parametrize("task_id, completion", list(HIJACKS.values()), ids=list(HIJACKS))
def test_a_program_cannot_redefine_the_tests_helpers(task_id, completion):
    record = humaneval(task_id)
    assert verify(completion, record, task="humaneval", timeout=20).score == 0.0
    assert verify(record["canonical_solution"], record, task="humaneval", timeout=20).score == 1.0


def test_a_program_cannot_stand_in_for_a_module_the_test_forgot_to_import():
    record = mbpp(596)  # the test calls sys.getsizeof without importing sys
    hijack = (
        "class sys:\n    @staticmethod\n    def getsizeof(value):\n        return 0\ndef tuple_size(t):\n    return 0\n"
    )
    assert verify(hijack, record, task="mbpp", timeout=20).score == 0.0
    assert verify(record["code"], record, task="mbpp", timeout=20).score == 1.0


@pytest.mark.parametrize("task_id", [601, 367, 126], ids=["helper class Pair", "setup uses Node", "tested sum"])
def test_mbpp_tests_still_reach_the_solutions_own_helpers(task_id):
    record = mbpp(task_id)
    assert verify(record["code"], record, task="mbpp", timeout=20).score == 1.0


# Door 2: host files.
def test_benchmark_files_are_not_readable_so_cannot_answer_the_test():
    path = data_file("mbpp/mbpp.jsonl")
    with open(path, "rb") as handle:
        head = handle.read(40)
    program = f"def head():\n    with open({str(path)!r}, 'rb') as f:\n        return f.read(40)\n"
    verdict = verify(program, {"test_list": [f"assert head() == {head!r}"]}, task="mbpp", timeout=20)
    assert verdict.score == 0.0
    assert "FileNotFoundError" in verdict.detail["tests"][0]["error"]


def test_the_sandbox_root_holds_only_what_python_needs(pool):
    # What the sandbox must show depends on where the checkout and its venv lie (under /var, /home,
    # /opt, /tmp ...): a folder on the way to a binding exists and holds only the way on.
    targets = [target for _, target in python_binds(sys.executable)] + [str(SCRIPTS)]
    shared = str(DATA_DIR.parent)  # the benchmark data, beside the checkout
    probed = ["/home", "/srv", "/mnt", "/run", "/var/run", "/opt", "/var", shared, f"/proc/1/root{shared}"]
    program = (
        "import os\n"
        "print(sorted(os.listdir('/')))\n"
        f"for path in {probed!r}:\n"
        "    print(path, sorted(os.listdir(path)) if os.path.isdir(path) else os.path.exists(path))\n"
    )
    outcome = pool.run(program, [StdioTest()], LIMITS, timeout=20).outcomes[0]
    lines = outcome.stdout.splitlines()
    system = {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "root", "sbin", "tmp", "usr"}
    own_group = {"sys"} if cgroups.detect().usable else set()  # /sys/fs/cgroup/*: the worker's own group only
    assert set(ast.literal_eval(lines[0])) <= system | own_group | {Path(target).parts[1] for target in targets}
    seen = {line.split(" ", 1)[0]: ast.literal_eval(line.split(" ", 1)[1]) for line in lines[1:]}
    for path in probed:
        leading = sorted({Path(t).relative_to(path).parts[0] for t in targets if t.startswith(path.rstrip("/") + "/")})
        assert seen[path] == (leading or False), (path, seen[path])


def test_host_unix_sockets_are_unreachable(pool):
    # Outside /tmp (private to the sandbox even before the minimal filesystem), like /run's sockets.
    folder = tempfile.mkdtemp(prefix="rlvr-door-", dir="/var/tmp" if os.path.isdir("/var/tmp") else None)
    path = os.path.join(folder, "service.sock")
    os.chmod(folder, 0o755)
    program = (
        "import socket\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        "try:\n"
        f"    s.connect({path!r})\n"
        "    print('connected')\n"
        "except OSError as exc:\n"
        "    print('blocked', type(exc).__name__)\n"
    )
    try:
        with socket.socket(socket.AF_UNIX) as listener:
            listener.bind(path)
            os.chmod(path, 0o777)
            listener.listen(1)
            listener.settimeout(0.5)
            outcome = pool.run(program, [StdioTest()], LIMITS, timeout=20).outcomes[0]
            assert outcome.stdout.startswith("blocked"), outcome
            with pytest.raises(socket.timeout):
                listener.accept()
    finally:
        shutil.rmtree(folder)


def test_nothing_a_job_writes_is_seen_by_the_next(pool):
    writer = (
        "import os\n"
        "for folder in ['/tmp', '/dev/shm', '/var/tmp', os.getcwd(), os.environ['HOME']]:\n"
        "    try:\n"
        "        open(os.path.join(folder, 'marker'), 'w').write('x')\n"
        "    except OSError:\n"
        "        pass\n"
        "print(os.getcwd())\n"
    )
    first = pool.run(writer, [StdioTest()], LIMITS, timeout=20).outcomes[0]
    reader = (
        "import glob\n"
        "print(glob.glob('/tmp/**/marker', recursive=True) + glob.glob('/dev/shm/**/marker', recursive=True))\n"
    )
    assert pool.run(reader, [StdioTest()], LIMITS, timeout=20).outcomes[0].stdout == "[]\n", first.stdout


# Door 3: module names the program chooses.
def test_the_harness_imports_no_module_the_program_names(pool):
    program = (
        "import types\n"
        "runner = types.ModuleType('venv.__main__')\n"
        "this = types.ModuleType('this')\n"
        "def f():\n    return 1\n"
    )
    test = AssertTest(
        "import sys\nassert f() == 1\nassert 'venv.__main__' not in sys.modules and 'this' not in sys.modules\n"
    )
    started = time.monotonic()
    outcome = pool.run(program, [test], LIMITS, timeout=20).outcomes[0]
    assert outcome.passed and time.monotonic() - started < 5, outcome


# Door 4: IPC, frames, output, grace.
SHM = (
    "import ctypes\n"
    "libc = ctypes.CDLL(None)\n"
    "libc.shmat.restype = ctypes.c_void_p\n"
    "libc.shmget.argtypes = (ctypes.c_int, ctypes.c_size_t, ctypes.c_int)\n"
    "libc.shmat.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_int)\n"
)


def test_sysv_shared_memory_does_not_outlive_the_job(pool):
    create = SHM + (
        "ident = libc.shmget(4242, 1 << 20, 0o1600)\n"  # IPC_CREAT | 0600
        "ctypes.memmove(libc.shmat(ident, None, 0), b'secret', 6)\n"
        "print(ident >= 0)\n"
    )
    assert pool.run(create, [StdioTest()], LIMITS, timeout=20).outcomes[0].stdout == "True\n"
    find = SHM + "print(libc.shmget(4242, 0, 0), open('/proc/sysvipc/shm').read().count('\\n'))\n"
    assert pool.run(find, [StdioTest()], LIMITS, timeout=20).outcomes[0].stdout == "-1 1\n"


def test_sysv_shared_memory_is_bounded(pool):
    program = SHM + "print(libc.shmget(0, 128 << 20, 0o1600), libc.shmget(0, 1 << 20, 0o1600) >= 0)\n"
    assert pool.run(program, [StdioTest()], LIMITS, timeout=20).outcomes[0].stdout == "-1 True\n"


def test_undecodable_output_costs_the_caller_little(pool):
    program = "import os\nos.write(1, b'\\xff' * (1 << 20))\nos.write(2, b'\\xfe' * (1 << 20))\n"
    cpu = time.process_time()
    result = pool.run(program, [StdioTest()] * 10, Limits(test_timeout=10.0), timeout=60)
    assert time.process_time() - cpu < 3.0
    assert all(len(o.stdout) == 1 << 20 and len(o.stderr) <= 4096 for o in result.outcomes)


def test_a_frame_is_refused_by_its_header_before_anything_is_read():
    read_end, write_end = os.pipe()
    os.write(write_end, (2**31).to_bytes(4, "big"))
    with pytest.raises(wire.WireError, match="exceeds the limit"):
        wire.read_frame_until(read_end, time.monotonic() + 5, wire.MAX_FRAME)
    os.close(read_end)
    os.close(write_end)


def test_the_harness_gives_up_before_the_host_does():
    worker = ast.parse(Path(wire.__file__).with_name("worker.py").read_text())
    grace = next(
        node.value.value
        for node in worker.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "HARNESS_GRACE"
    )
    assert grace < HOST_GRACE


# Door 5: values correct programs return.
VALUE_KINDS = {
    "numpy.int64": ("import numpy as np\ndef f(xs):\n    return np.sum(np.array(xs))\n", "assert f([1, 2, 3]) == 6"),
    "numpy.bool_": (
        "import numpy as np\ndef f(xs):\n    return np.array(xs).sum() > 5\n",
        "assert f([1, 2, 3]) == True",
    ),
    "numpy.float32": (
        "import numpy as np\ndef f(xs):\n    return np.float32(sum(xs)) / 4\n",
        "assert f([1, 2, 3]) == 1.5",
    ),
    "numpy array": (
        "import numpy as np\ndef f(xs):\n    return np.array(xs) * 2\n",
        "assert list(f([1, 2])) == [2, 4]",
    ),
    "Fraction": (
        "from fractions import Fraction\ndef f(xs):\n    return Fraction(sum(xs), 2)\n",
        "assert f([1, 2, 3]) == 3",
    ),
    "Decimal": ("from decimal import Decimal\ndef f(xs):\n    return Decimal(sum(xs))\n", "assert f([1, 2, 3]) == 6"),
    "generator": ("def f(xs):\n    return (x * 2 for x in xs)\n", "assert list(f([1, 2])) == [2, 4]"),
    "map": ("def f(xs):\n    return map(str, xs)\n", "assert list(f([1, 2])) == ['1', '2']"),
    "deque": ("from collections import deque\ndef f(xs):\n    return deque(xs)\n", "assert list(f([1, 2])) == [1, 2]"),
    "deque == deque": (
        "from collections import deque\ndef f(xs):\n    return deque(xs)\n",
        "from collections import deque\nassert f([1, 2]) == deque([1, 2])",
    ),
    "range": ("def f(xs):\n    return range(len(xs))\n", "assert list(f([5, 6])) == [0, 1]"),
    "dict keys": ("def f(xs):\n    return dict.fromkeys(xs).keys()\n", "assert f([1, 2]) == {1, 2}"),
}


@pytest.mark.parametrize("program, test", list(VALUE_KINDS.values()), ids=list(VALUE_KINDS))
def test_correct_values_of_every_kind_pass(program, test):
    verdict = verify(program, {"test_list": [test]}, task="mbpp", timeout=20)
    assert verdict.score == 1.0, verdict.detail


ALWAYS_EQUAL = "class A:\n    def __eq__(self, other):\n        return True\n    __hash__ = object.__hash__\n"
FORGED = {
    "always-equal object": ALWAYS_EQUAL + "def f(xs):\n    return A()\n",
    "always-equal inside an iterator": ALWAYS_EQUAL + "def f(xs):\n    return iter([A()])\n",
    "a fake numpy": (
        "import sys, types\nfake = types.ModuleType('numpy')\n"
        "class A:\n    def __eq__(self, other):\n        return True\n    def item(self):\n        return self\n"
        "fake.generic = fake.ndarray = A\nsys.modules['numpy'] = fake\ndef f(xs):\n    return A()\n"
    ),
    "a patched Fraction": (
        "import fractions\nfractions.Fraction.__eq__ = lambda self, other: True\n"
        "def f(xs):\n    return fractions.Fraction(1, 7)\n"
    ),
    "a generator where a list is expected": "def f(xs):\n    return (x for x in [6])\n",
}


@pytest.mark.parametrize("program", list(FORGED.values()), ids=list(FORGED))
def test_forged_equality_still_fails(program):
    verdict = verify(program, {"test_list": ["assert f([1, 2, 3]) == 6", "assert f([1]) == [6]"]}, task="mbpp")
    assert verdict.score == 0.0, verdict.detail


def test_weak_isolation_leaves_no_temp_folders_behind():
    """Without namespaces each worker works in its own rlvr-sandbox-* folder under the host's /tmp;
    closing the pool removes it with the worker."""
    pattern = os.path.join(tempfile.gettempdir(), "rlvr-sandbox-*")
    before = set(glob.glob(pattern))
    pool = SandboxPool(size=1, isolation=Isolation("process", "rlimits", False, False, False, False))
    try:
        outcome = pool.run("print(6 * 7)", [StdioTest()], LIMITS, timeout=30).outcomes[0]
        assert outcome.stdout == "42\n", outcome
        assert set(glob.glob(pattern)) - before  # the worker's folder exists while it runs
    finally:
        pool.close()
    assert not set(glob.glob(pattern)) - before
