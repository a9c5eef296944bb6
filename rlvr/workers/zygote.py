"""The zygote: a clean process that imports the heavy modules once and forks workers on request.

The pool starts it with `subprocess` (never by forking the caller, which may be a large,
multi-threaded trainer) in its own session, so one `killpg` ends it and every worker it forked.
Control channel (a SOCK_SEQPACKET socket): the zygote writes b"ready" once its imports are
done; then for every b"spawn" request it forks a worker and answers with the worker's pid and
one end of a fresh socket pair (passed as a file descriptor). When the control channel closes
(the pool closed, or its process died) the zygote terminates its workers, waits for them and exits.

A worker loops: receive (function, args, memory limit), set its address-space limit to the
job's, run it, reply ("ok", result) or ("error", "Type: message"). After a MemoryError it
replies and exits, because a process that hit its limit may be left in a bad state. A worker
that gets no job for the pool's idle time (plus a grace, so that the pool, which stops handing
it out at the idle time, never sends a job to a worker that is leaving) exits.

When the pool's process is gone (it exited while we were still importing, say), every write to
it fails; the zygote and its workers then exit quietly instead of printing a traceback.
"""

from __future__ import annotations

import importlib
import json
import os
import pickle
import resource
import signal
import socket
import struct
import sys

from rlvr.workers.protocol import receive_payload, send_message

_PID = struct.Struct("!q")
_MAX_ERROR_TEXT = 500
# What pickling an odd result can raise; the worker reports it instead of dying.
_PICKLE_ERRORS = (pickle.PicklingError, TypeError, AttributeError, RecursionError)
# Seconds a worker waits beyond the pool's idle time before leaving on its own.
_IDLE_GRACE = 5.0


def main() -> None:
    """Entry point: argv = [control_fd, json(sys.path), json(preload), idle seconds].

    preload entries are module names, or "module:function" to also call a warm-up function."""
    control_fd, path_json, preload_json, idle_seconds = sys.argv[1:5]
    sys.path[:] = json.loads(path_json)
    control = socket.socket(fileno=int(control_fd))
    # Children are reaped by the kernel: no zombies, whatever happens to them.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    # The caller's Ctrl-C is not ours to handle: the pool's close() (or EOF) ends us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for entry in json.loads(preload_json):
        module_name, _, function_name = entry.partition(":")
        module = importlib.import_module(module_name)
        if function_name:
            getattr(module, function_name)()
    try:
        control.send(b"ready")
        while control.recv(16) == b"spawn":
            parent_end, child_end = socket.socketpair()
            pid = os.fork()
            if pid == 0:
                control.close()
                parent_end.close()
                _worker(child_end, float(idle_seconds) + _IDLE_GRACE)
            child_end.close()
            socket.send_fds(control, [_PID.pack(pid)], [parent_end.fileno()])
            parent_end.close()
    except OSError:
        pass  # the pool closed its end, or its process is gone
    _end_workers()


def _end_workers() -> None:
    """Terminate every worker (our process group; we ignore SIGTERM ourselves) and wait until
    all are gone, so none outlives us as an orphan or a zombie of a non-reaping init."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.killpg(os.getpgid(0), signal.SIGTERM)
    try:
        # With SIGCHLD ignored, this blocks until every child has ended, then raises ECHILD.
        os.waitpid(-1, 0)
    except ChildProcessError:
        pass
    os._exit(0)


def _worker(channel: socket.socket, idle_seconds: float) -> None:
    for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)
    _, hard_limit = resource.getrlimit(resource.RLIMIT_AS)
    while True:
        try:
            channel.settimeout(idle_seconds)
            payload = receive_payload(channel)
            channel.settimeout(None)
        except (EOFError, OSError):  # the pool closed our channel, or we sat idle too long
            os._exit(0)
        retire = False
        try:
            function, args, memory_limit = pickle.loads(payload)
            _limit_memory(memory_limit, hard_limit)
            reply = ("ok", function(*args))
        except MemoryError:
            reply, retire = ("error", "MemoryError: worker address-space limit reached"), True
        except BaseException as exc:  # a worker reports every failure of its job, it never dies of one
            reply = ("error", f"{type(exc).__name__}: {exc}"[:_MAX_ERROR_TEXT])
        try:
            send_message(channel, reply + (retire,))
        except _PICKLE_ERRORS as exc:
            send_message(channel, ("error", f"unpicklable result: {exc}"[:_MAX_ERROR_TEXT], False))
        except OSError:
            os._exit(0)
        if retire:
            os._exit(1)


def _limit_memory(limit: int, hard_limit: int) -> None:
    """This job's address-space limit (0: none). Only the soft limit moves, so the next job may raise it again."""
    if limit <= 0 or (hard_limit != resource.RLIM_INFINITY and limit > hard_limit):
        limit = hard_limit
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard_limit))


if __name__ == "__main__":
    main()
