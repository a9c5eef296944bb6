"""`Zygote`: the pool's handle on its zygote process (see zygote.py): start it, wait until it has
imported the heavy modules, have it fork a worker, stop it."""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
import sys
from collections.abc import Sequence

from rlvr.workers.errors import PoolBusy

_PID = struct.Struct("!q")
# A fork of a warm zygote takes milliseconds; this bound only catches a wedged zygote.
_SPAWN_REPLY_LIMIT = 10.0
_EXIT_LIMIT = 5.0
_COMMAND = "import json, sys; sys.path[:] = json.loads(sys.argv[2]); from rlvr.workers.zygote import main; main()"


class Zygote:
    """One zygote process, started with `subprocess` (never by forking the caller, which may be a
    large multi-threaded trainer) in its own session, so one `killpg` ends it and its workers."""

    def __init__(self, preload: Sequence[str], idle_timeout: float) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        command = [
            sys.executable,
            "-c",
            _COMMAND,
            str(theirs.fileno()),
            json.dumps(sys.path),
            json.dumps(list(preload)),
            str(idle_timeout),
        ]
        try:
            self.process = subprocess.Popen(
                command,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        self.control = ours
        self.ready = False

    @property
    def pid(self) -> int:
        """The zygote's pid (and process group id)."""
        return self.process.pid

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.process.poll() is None

    def wait_ready(self, until: float, now: float) -> None:
        """Wait (until the monotonic instant `until`) for the zygote's imports to finish.
        PoolBusy when they take longer; EOFError when the zygote died while starting."""
        if self.ready:
            return
        if until <= now:
            raise PoolBusy("the worker zygote is still starting")
        self.control.settimeout(until - now)
        try:
            message = self.control.recv(16)
        except TimeoutError:
            raise PoolBusy("the worker zygote is still starting") from None
        if message != b"ready":
            raise EOFError("the worker zygote exited while starting")
        self.ready = True

    def fork_worker(self) -> tuple[int, socket.socket]:
        """A new worker: its pid and our end of its channel. EOFError/OSError if the zygote is gone."""
        self.control.settimeout(_SPAWN_REPLY_LIMIT)
        self.control.send(b"spawn")
        message, fds, _flags, _address = socket.recv_fds(self.control, _PID.size, 1)
        if len(fds) != 1:
            raise EOFError("the zygote sent no worker channel")
        (pid,) = _PID.unpack(message)
        return pid, socket.socket(fileno=fds[0])

    def stop(self) -> None:
        """End the zygote and its workers and reap it."""
        self.control.close()
        try:
            # Closing the control socket tells a ready zygote to end its workers and exit; one still
            # importing has no workers and would only finish its imports first, so it is killed now.
            self.process.wait(timeout=_EXIT_LIMIT if self.ready else 0)
        except subprocess.TimeoutExpired:
            # Our unreaped child keeps its pid (and process group id) reserved, so this cannot hit a stranger.
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def forget(self) -> None:
        """In a forked child: close our copy of the control socket, leave the process alone."""
        self.control.close()
        # Not our child: never wait for it (Popen would otherwise try at garbage collection).
        self.process.returncode = 0
