"""The sandbox worker: a long-lived process (inside bubblewrap where available) serving jobs.

Run as a script by the pool: `python -s -B worker.py SLOT UID TMP_ROOT CGROUP [private-ipc]` (UID
"-" for no uid switch; CGROUP the JSON {controller: folder} of the worker's control group, {}
for none; private-ipc under bubblewrap, where the IPC namespace is the worker's own).
Standard library only; the sibling modules `wire`, `child`, `harness` and `reaper` are imported
as plain modules. Processes inside one worker:

    worker    reads jobs (program + tests) from the pool over stdin/stdout, one at a time, and
              forks a harness per job, killing it (and the child's tree) past the job's budget;
    zygote    forked at start-up, before any job arrived, so its memory holds no tests or
              expected outputs; forks each sandboxed child on a harness's request (fds arrive
              over a unix socket) and reports the child's pid and exit status;
    harness   (harness.py) drives the job's tests in children it asks for; trusted, it never runs
              the program's code;
    child     (child.py) the program, under its own uid with rlimits; when it ends, reaper.py
              kills what is left of its tree and removes the SysV IPC objects it made.
"""

from __future__ import annotations

import json
import os
import resource
import select
import shutil
import signal
import socket
import sys
import time

import child
import harness
import meter
import reaper
import wire

# Modules programs commonly import, loaded once here so each forked child starts warm.
PRELOAD = (
    "array",
    "bisect",
    "cmath",
    "collections",
    "copy",
    "datetime",
    "decimal",
    "fractions",
    "functools",
    "hashlib",
    "heapq",
    "itertools",
    "math",
    "operator",
    "random",
    "re",
    "statistics",
    "string",
    "typing",
)
for _name in PRELOAD:
    __import__(_name)
del sys.path[0]  # this folder: programs must not import the worker's modules by accident

# Seconds a harness may overrun its job's budget; shorter than the pool's grace (pool.HOST_GRACE),
# so a job that overruns still returns the outcomes of the tests it finished.
HARNESS_GRACE = 0.25
# Address space of the worker, its zygote and its harnesses (a child sets its own, Limits.memory_mb).
WORKER_MEMORY_BYTES = 2 * 1024 * 1024 * 1024


def main(argv: list[str]) -> None:
    slot, uid, tmp_root = int(argv[1]), None if argv[2] == "-" else int(argv[2]), argv[3]
    cgroup = json.loads(argv[4])  # {controller: folder} of this worker's control group, or {}
    # Each child gets an IPC namespace of its own where the worker may create one (child.py); where
    # not, these limits of the worker's bound what a child may leave until it is removed after it.
    if argv[5:] == ["private-ipc"]:  # never the host's: these limits hold in this IPC namespace only
        for name, value in child.IPC_LIMITS.items():
            try:
                with open(f"/proc/sys/{name}", "w") as setting:
                    setting.write(value)
            except OSError:
                pass  # an unprivileged bubblewrap may not allow it; the removal after each child still holds
    # Only the soft limit: a child may still set its own, larger one up to the hard limit.
    resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, resource.getrlimit(resource.RLIMIT_AS)[1]))
    proto_in, proto_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # a stray print must never corrupt the protocol
    zygote_sock, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    zygote = os.fork()
    if zygote == 0:
        os.close(proto_in)
        os.close(proto_out)
        zygote_sock.close()
        serve_zygote(zygote_end, meter.JobGroup(cgroup))
    zygote_end.close()
    wire.write_frame(proto_out, wire.dumps({"ready": True}))  # the pool hands this worker out from now on
    settings = {"uid": uid, "tmp_root": tmp_root, "cgroup": cgroup, "zygote": zygote}
    while True:
        payload = wire.read_frame(proto_in)
        if payload is None:
            return
        job = {**wire.loads(payload), **settings}
        reply = {"tests": run_job(job, zygote_sock, slot, (proto_in, proto_out))}
        wire.write_frame(proto_out, wire.dumps(reply))


def run_job(job: dict, zygote: socket.socket, slot: int, protocol_fds: tuple) -> list[dict]:
    """Fork one harness for the job's tests; kill it and the child's tree if it overruns.

    The harness writes one JSON line per finished test, so a harness killed at the budget
    still leaves the outcomes of the tests it finished."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        for fd in (*protocol_fds, read_end):
            os.close(fd)
        with open(write_end, "w", encoding="utf-8", errors="surrogatepass") as out:
            try:
                harness.run_job(job, zygote, slot, out)
            except BaseException as exc:
                out.write(
                    json.dumps({"passed": False, "error": f"harness failure: {type(exc).__name__}: {exc}"}) + "\n"
                )
        os._exit(0)
    os.close(write_end)
    data, finished = _read_until(read_end, time.monotonic() + job["budget"] + HARNESS_GRACE)
    os.close(read_end)
    if not finished:
        os.kill(pid, signal.SIGKILL)
        reaper.kill_tree(job["uid"], None)
    os.waitpid(pid, 0)
    shutil.rmtree(os.path.join(job["tmp_root"], f"run-{pid}-{slot}"), ignore_errors=True)
    outcomes = [wire.loads(line) for line in data.splitlines(keepends=True) if line.endswith(b"\n")]
    outcomes = outcomes[: len(job["tests"])]
    missing = {"passed": False, "ran": False, "timed_out": True, "error": "the total time budget ran out"}
    return outcomes + [missing] * (len(job["tests"]) - len(outcomes))


def _read_until(fd: int, deadline: float) -> tuple[bytes, bool]:
    """What `fd` delivered, and whether it reached end of file before `deadline`."""
    chunks: list[bytes] = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            return b"".join(chunks), False
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)


def serve_zygote(sock: socket.socket, group: meter.JobGroup) -> None:
    """Fork one sandboxed child per request, report its pid, then its exit status.

    With a control group, the zygote joins it once and its children are born in it: moving each
    child in (a cgroup v1 migration waits for an RCU grace period) cost up to 15 ms a child on a
    busy machine. The zygote is spared when the group is killed and counts as one of its
    processes; the out-of-memory killer picks the program's processes first (child.py)."""
    if group:
        group.join()
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(sock, 1 << 16, 16)
        except OSError:
            os._exit(0)
        if not message:
            os._exit(0)  # the worker is gone
        spec = json.loads(message)
        reply_fd, child_fds = fds[0], fds[1:]
        pid = os.fork()
        if pid == 0:
            try:
                sock.close()
                os.close(reply_fd)
                child.enter_sandbox(child_fds, spec)
            except BaseException:
                os._exit(126)
            child.run(spec["mode"])
        for fd in child_fds:
            os.close(fd)
        _send(reply_fd, {"pid": pid})
        _, status = os.waitpid(pid, 0)
        exit_code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        _send(reply_fd, {"exit_code": exit_code, "signal": sig})
        os.close(reply_fd)


def _send(fd: int, message: dict) -> None:
    try:
        os.write(fd, json.dumps(message).encode() + b"\n")
    except OSError:
        pass  # the harness was killed; nobody is waiting


if __name__ == "__main__":
    main(sys.argv)
