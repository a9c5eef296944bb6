"""A seccomp filter that denies a sandboxed child a few system calls (EPERM), nothing else.

Runs inside the worker (a plain module there, standard library only). Denied always:

- the kernel keyring calls (`add_key`, `request_key`, `keyctl`): keys belong to a uid or a
  session, not to a process, so they outlive the program that made them (a later job of the same
  worker could read them, and they stay on the host after the pool is gone);
- lowering its own scheduling priority (nice, SCHED_IDLE), which would let a program look
  starved of CPU (a failure of the machine) by its own choice.

Denied where no memory cgroup counts them: `memfd_create` and `memfd_secret`, whose pages no
rlimit bounds. Where the child has no IPC namespace of its own: `mq_open` (a POSIX message queue
outlives its maker). Where no cpu cgroup makes the job one scheduling entity: `setsid` (each
session would be one).

A call from another architecture's table (32-bit calls of an x86-64 process, x32) is denied
whole, so no second number for the same call gets through.
"""

from __future__ import annotations

import ctypes
import platform

_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_SPEC_ALLOW = 1, 4
_RET_ALLOW, _RET_ERRNO, _EPERM = 0x7FFF0000, 0x00050000, 1
_LD_ABS_W, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06
_X32_BIT = 0x40000000
# (audit architecture, {call: number}) of the machines rlvr runs on.
_X86_64 = {
    **{"add_key": 248, "request_key": 249, "keyctl": 250, "memfd_create": 319, "memfd_secret": 447},
    **{"mq_open": 240, "setsid": 112, "setpriority": 141, "sched_setparam": 142, "sched_setscheduler": 144},
    "sched_setattr": 314,
}
_AARCH64 = {
    **{"add_key": 217, "request_key": 218, "keyctl": 219, "memfd_create": 279, "memfd_secret": 447},
    **{"mq_open": 180, "setsid": 157, "setpriority": 140, "sched_setparam": 118, "sched_setscheduler": 119},
    "sched_setattr": 274,
}
_TABLES = {"x86_64": (0xC000003E, _X86_64), "aarch64": (0xC00000B7, _AARCH64)}
_SECCOMP_CALL = {"x86_64": 317, "aarch64": 277}
KEYRING_CALLS = ("add_key", "request_key", "keyctl")
# A program that lowered its own priority could wait in the run queue by choice and pass for starved.
PRIORITY_CALLS = ("setpriority", "sched_setparam", "sched_setscheduler", "sched_setattr")
MEMFD_CALLS = ("memfd_create", "memfd_secret")


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_Filter))]


def supported() -> bool:
    """Whether this machine's system call table is known here."""
    return platform.machine() in _TABLES


def program(calls: tuple[str, ...]) -> list[tuple[int, int, int, int]]:
    """The BPF instructions that deny `calls` (and every foreign-architecture call)."""
    arch, table = _TABLES[platform.machine()]
    numbers = [table[name] for name in calls]
    deny = _RET_ERRNO | _EPERM
    # Jump offsets count instructions after the jump; the last two instructions are allow, deny.
    code = [(_LD_ABS_W, 0, 0, 4), (_JEQ_K, 1, 0, arch), (_RET_K, 0, 0, deny), (_LD_ABS_W, 0, 0, 0)]
    checks = [(_JGE_K, 0, 0, _X32_BIT)] + [(_JEQ_K, 0, 0, number) for number in numbers]
    for index, (op, _, _, k) in enumerate(checks):
        code.append((op, len(checks) - index, 0, k))
    return [*code, (_RET_K, 0, 0, _RET_ALLOW), (_RET_K, 0, 0, deny)]


_LIBC = ctypes.CDLL(None, use_errno=True)
_LIBC.prctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong)
_built: dict[tuple[str, ...], tuple[ctypes.Array, _Program]] = {}


def install(calls: tuple[str, ...]) -> None:
    """Deny `calls` to this process and everything it starts, for good; OSError if the kernel refuses.
    The filter is built once per list of calls (in the zygote, before it forks children)."""
    if calls not in _built:
        instructions = program(calls)
        filters = (_Filter * len(instructions))(*(_Filter(*item) for item in instructions))
        _built[calls] = (filters, _Program(len(instructions), filters))
    prog = _built[calls][1]
    if _LIBC.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    # SPEC_ALLOW: installing a filter must not switch on the kernel's speculative-store-bypass
    # mitigation for the program (a slowdown of every program that the sandbox had not paid before).
    call = _SECCOMP_CALL[platform.machine()]
    if _LIBC.syscall(call, _SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_SPEC_ALLOW, ctypes.byref(prog)) != 0:
        raise OSError(ctypes.get_errno(), "seccomp(SECCOMP_SET_MODE_FILTER) failed")
