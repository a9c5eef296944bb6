"""The one long-lived thread per process that starts sandbox workers.

bubblewrap's --die-with-parent fires when the *thread* that started it exits, so every worker is
started from a thread that lives as long as the process. That thread is started on first use and
again, lazily, in a forked child (where no thread of the parent exists). Idle workers are retired
by the supervision core (rlvr/workers/slots.py), on the one schedule of every pool.

    process = spawn(["true"], stdin=subprocess.DEVNULL)   # a subprocess.Popen
"""

from __future__ import annotations

import os
import queue
import subprocess
import threading
from concurrent.futures import Future
from typing import Any


class _State:
    """Per-process: replaced wholesale in a forked child, whose copies of locks may be held."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: queue.SimpleQueue[tuple[Future, list[str], dict[str, Any]]] = queue.SimpleQueue()
        self.thread: threading.Thread | None = None


_state = _State()


def spawn(command: list[str], **popen_kwargs: Any) -> subprocess.Popen:
    """Start `command` from the spawner thread; OSError when it cannot start.

    >>> spawn(["true"]).wait()
    0
    """
    state = _ensure_thread()
    future: Future[subprocess.Popen] = Future()
    state.requests.put((future, command, popen_kwargs))
    return future.result()


def _ensure_thread() -> _State:
    state = _state
    with state.lock:
        if state.thread is None or not state.thread.is_alive():
            state.thread = threading.Thread(target=_serve, args=(state,), name="rlvr-sandbox-spawner", daemon=True)
            state.thread.start()
    return state


def _serve(state: _State) -> None:
    while True:
        future, command, kwargs = state.requests.get()
        if not future.set_running_or_notify_cancel():
            continue
        try:
            future.set_result(subprocess.Popen(command, **kwargs))
        except BaseException as exc:  # handed to the caller, who reports it
            future.set_exception(exc)


def _after_fork_in_child() -> None:
    global _state
    _state = _State()


os.register_at_fork(after_in_child=_after_fork_in_child)
