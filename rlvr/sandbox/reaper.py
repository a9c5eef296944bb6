"""Ending a sandboxed child for good: its whole process tree and the SysV IPC objects it made.

Runs inside the worker (a plain module there, standard library only), called by the harness when
a child ends and by the worker when a harness overruns.
"""

from __future__ import annotations

import ctypes
import os
import signal


def kill_tree(uid: int | None, pid: int | None) -> None:
    """SIGKILL every process of the child's uid (the child, its children, setsid escapees);
    without a uid switch, the child's own process group."""
    if uid is None:
        if pid:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        return
    killer = os.fork()
    if killer == 0:
        try:
            os.setresuid(uid, uid, uid)
            for _ in range(50):
                os.kill(-1, signal.SIGKILL)  # every process this uid may signal; ESRCH when none
            _remove_ipc()
        except BaseException:
            pass
        os._exit(0)
    os.waitpid(killer, 0)


_LIBC = ctypes.CDLL(None, use_errno=True)
_IPC_RMID = 0
IPC_KINDS = ("shm", "msg", "sem")


def ipc_ids(kind: str) -> list[int]:
    """The ids of the SysV IPC objects of one kind in this IPC namespace."""
    try:
        with open(f"/proc/sysvipc/{kind}") as table:
            return [int(line.split()[1]) for line in table.read().splitlines()[1:] if line.strip()]
    except OSError:
        return []


def _remove_ipc() -> None:
    """Remove every SysV shared-memory segment, message queue and semaphore set (as their owner).
    The worker's IPC namespace is its own and the worker creates none, so all of them are the
    jobs': none outlives the job that made it, none carries data to the next."""
    _LIBC.shmctl.argtypes = _LIBC.msgctl.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_void_p)
    for ident in ipc_ids("shm"):
        _LIBC.shmctl(ident, _IPC_RMID, None)
    for ident in ipc_ids("msg"):
        _LIBC.msgctl(ident, _IPC_RMID, None)
    for ident in ipc_ids("sem"):
        _LIBC.semctl(ident, 0, _IPC_RMID)


def has_processes(uid: int | None) -> bool:
    """Whether any process of `uid` is left (a child of the child, say). Without a uid switch
    this cannot be told apart from the host's own processes, so the answer is yes."""
    if uid is None:
        return True
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and os.stat(f"/proc/{entry}").st_uid == uid:
                return True
        except OSError:
            pass
    return False
