"""The sandboxed child: one untrusted program run, in a process of its own.

Runs inside the worker (a plain module there, standard library only). The zygote forks, calls
`enter_sandbox` (new session, fresh cwd, rlimits, scrubbed environment, unprivileged uid, only
the six descriptors it needs) and then `run`, which reads the program from fd 3 and executes it:

    stdio  the program reads fd 0 and writes fd 1/2, as a script (`__name__ == "__main__"`);
    rpc    after the program's top level ran, serve calls from the trusted harness: requests
           (pickled by the harness) arrive on fd 4, answers go out on fd 5 as JSON trees built
           by `wire.encode`. The program never sees the tests or the expected values, and what
           it answers is data: the harness imports nothing and evaluates nothing it names.

Exit codes are advisory (the program can forge them); the harness trusts only what it observes.
"""

from __future__ import annotations

import ast
import builtins
import ctypes
import fcntl
import io
import os
import pickle
import resource
import sys
import traceback

import meter
import seccomp
import wire

PROGRAM_FD, RPC_IN_FD, RPC_OUT_FD = 3, 4, 5
EXIT_EXCEPTION, EXIT_SYNTAX, EXIT_MEMORY = 1, 2, 3
CHILD_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"}
_CLONE_NEWIPC = 0x08000000
_LIBC = ctypes.CDLL(None, use_errno=True)
# SysV IPC limits of each child's own IPC namespace (RLIMIT_AS does not count shared memory):
# 64 MiB of shared memory in at most 64 segments, 16 message queues of the default 16 KiB,
# 16 semaphore sets, 16 POSIX message queues.
IPC_LIMITS = {
    "kernel/shmmax": str(64 << 20),
    "kernel/shmall": str((64 << 20) // 4096),
    "kernel/shmmni": "64",
    "kernel/msgmni": "16",
    "kernel/sem": "250 4000 32 16",
    "fs/mqueue/queues_max": "16",
}


def enter_sandbox(fds: list[int], spec: dict) -> None:
    """Turn the freshly forked process into the sandboxed child (never returns on failure)."""
    os.setsid()
    # Lift the descriptors above the targets first, so no dup2 clobbers one not yet moved.
    lifted = [fcntl.fcntl(fd, fcntl.F_DUPFD, 100) for fd in fds]
    for target, fd in enumerate(lifted):
        os.dup2(fd, target)
    os.closerange(len(fds), 1 << 16)
    os.chdir(spec["cwd"])
    limits = spec["limits"]
    mib = 1024 * 1024
    for name, soft in (
        ("RLIMIT_AS", limits["memory_mb"] * mib),
        ("RLIMIT_CPU", limits["cpu_seconds"]),
        ("RLIMIT_NPROC", limits["max_processes"]),
        ("RLIMIT_NOFILE", limits["max_open_files"]),
        ("RLIMIT_FSIZE", limits["max_file_mb"] * mib),
        ("RLIMIT_CORE", 0),
    ):
        hard = soft + 1 if name == "RLIMIT_CPU" else soft
        resource.setrlimit(getattr(resource, name), (soft, hard))
    group = meter.JobGroup(spec["cgroup"])
    denied = seccomp.KEYRING_CALLS + seccomp.PRIORITY_CALLS
    # The out-of-memory killer's first choice, in the job's group (not the zygote) and on the
    # host (not the trainer). Born in the worker's group (worker.serve_zygote), if there is one,
    # so everything the program starts counts there.
    with open("/proc/self/oom_score_adj", "w") as setting:
        setting.write("1000")
    if not group:
        # Nothing would count memfd pages, and each new session would be a scheduling entity of
        # its own (autogroup): the program keeps to its one session and its ordinary memory.
        denied += seccomp.MEMFD_CALLS + ("setsid",)
    if not _fresh_ipc():
        denied += ("mq_open",)  # POSIX queues would outlive the job; SysV objects are removed after it
    uid = spec.get("uid")
    if uid is not None:
        # All three ids change, so the kernel also clears every capability.
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    seccomp.install(denied)
    os.environ.clear()
    os.environ.update(CHILD_ENV, HOME=spec["cwd"], TMPDIR=spec["cwd"])
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8", errors="replace")
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="replace")
    sys.stderr = io.TextIOWrapper(
        io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="replace", line_buffering=True
    )
    for stream in ("stdin", "stdout", "stderr"):  # sys.__stdout__ & co. too (typeshed calls them Final)
        setattr(sys, f"__{stream}__", getattr(sys, stream))
    sys.argv = ["program.py"]
    sys.path[:0] = [spec["cwd"]]


def _fresh_ipc() -> bool:
    """Move this child into an IPC namespace of its own (SysV objects and POSIX message queues
    that no earlier job touched, all freed by the kernel when the child's last process ends) with
    IPC_LIMITS in force. False where the worker lacks the privilege (an unprivileged bubblewrap)."""
    if _LIBC.unshare(_CLONE_NEWIPC) != 0:
        return False
    for name, value in IPC_LIMITS.items():
        with open(f"/proc/sys/{name}", "w") as setting:
            setting.write(value)
    return True


def run(mode: str) -> None:
    """Execute the program in fd 3 (and serve rpc calls); always ends the process."""
    with open(PROGRAM_FD, "rb") as program_file:
        source = program_file.read().decode("utf-8", errors="replace")
    namespace = {"__name__": "__main__" if mode == "stdio" else "solution", "__builtins__": builtins}
    try:
        code = _compile(source, mode)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        _exit_with_traceback(EXIT_SYNTAX)
    try:
        exec(code, namespace)
    except SystemExit as exc:
        if mode != "stdio":
            _exit_with_traceback(EXIT_EXCEPTION)
        _flush_and_exit(exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_EXCEPTION))
    except MemoryError:
        _exit_with_traceback(EXIT_MEMORY)
    except BaseException:
        _exit_with_traceback(EXIT_EXCEPTION)
    if mode == "rpc":
        _serve(namespace)
    _flush_and_exit(0)


def _compile(source: str, mode: str):
    """Compile the program. A script with a top-level `return` runs as the body of a function,
    as APPS' checker runs every stdin/stdout program (it wraps the code in `def code():`)."""
    try:
        return compile(source, "program.py", "exec")
    except SyntaxError as exc:
        if mode != "stdio" or "'return' outside function" not in str(exc.msg):
            raise
    wrapper = ast.parse("def __program__():\n    pass\n__program__()\n")
    function = wrapper.body[0]
    assert isinstance(function, ast.FunctionDef)  # the first statement of the wrapper above
    function.body = ast.parse(source).body
    return compile(wrapper, "program.py", "exec")


def _serve(namespace: dict) -> None:
    """Answer the harness's calls until it closes the request pipe."""
    handles: list = []
    while True:
        payload = wire.read_frame(RPC_IN_FD)
        if payload is None:
            return
        try:
            answer = ["ok", wire.encode(_perform(pickle.loads(payload), namespace, handles), handles)]
        except BaseException as exc:  # the program's failure is the harness's information
            answer = ["raise", type(exc).__name__, _describe(exc)]
        sys.stdout.flush()
        wire.write_frame(RPC_OUT_FD, wire.dumps(answer))


def _perform(request: tuple, namespace: dict, handles: list):
    op = request[0]
    if op == "names":
        return _exported_names(namespace)
    target = _resolve(request[1], namespace, handles)
    if op == "call":
        args = _resolve_all(request[2], namespace, handles)
        kwargs = _resolve_all(request[3], namespace, handles)
        return target(*args, **kwargs)
    if op == "getattr":
        return getattr(target, request[2])
    if op == "setattr":
        setattr(target, request[2], _resolve_all(request[3], namespace, handles))
        return None
    raise ValueError(f"unknown request {op!r}")


def _resolve(ref, namespace: dict, handles: list):
    kind, key = ref
    if kind == "g":
        return namespace[key]
    if kind == "method":
        return getattr(namespace[key[0]](), key[1])
    return handles[key]


class _Ref:
    """What a harness-side handle is pickled as; resolved against this child's objects."""

    def __init__(self, ref):
        self.ref = ref


def _resolve_all(value, namespace: dict, handles: list):
    if isinstance(value, _Ref):
        return _resolve(value.ref, namespace, handles)
    if type(value) in (list, tuple, set, frozenset):
        return type(value)(_resolve_all(v, namespace, handles) for v in value)
    if type(value) is dict:
        return {_resolve_all(k, namespace, handles): _resolve_all(v, namespace, handles) for k, v in value.items()}
    return value


def _exported_names(namespace: dict) -> list:
    """The program's top-level callables: the names trusted test code may take from the program."""
    return [name for name, value in list(namespace.items()) if not name.startswith("__") and callable(value)]


def _describe(exc: BaseException) -> str:
    try:
        return str(exc)[:500]
    except BaseException:
        return "<unprintable>"


def _exit_with_traceback(code: int) -> None:
    try:
        traceback.print_exc(limit=5)
    except BaseException:
        pass
    _flush_and_exit(code)


def _flush_and_exit(code) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    os._exit(code if isinstance(code, int) and 0 <= code < 256 else EXIT_EXCEPTION)
