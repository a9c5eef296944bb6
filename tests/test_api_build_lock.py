"""Verifier construction in rlvr.api: one slow build holds no lock that other tasks need, and a
fork during a build leaves the child able to verify (it used to hang for ever)."""

from __future__ import annotations

import os
import threading
import time

import pytest

import rlvr
import rlvr.api

SLOW_TIMEOUT = 7.25  # an option value that marks the slow build in these tests


@pytest.fixture
def slow_build(monkeypatch):
    """Builds of gsm8k with timeout=SLOW_TIMEOUT take 2 s (as a code task's sandbox self-check can)."""
    real = rlvr.api.get_verifier
    started = threading.Event()

    def get_verifier(task, **options):
        if options.get("timeout") == SLOW_TIMEOUT:
            started.set()
            time.sleep(2.0)
        return real(task, **options)

    monkeypatch.setattr(rlvr.api, "get_verifier", get_verifier)
    for key in [k for k in rlvr.api._verifier_cache if "7.25" in repr(k)]:
        del rlvr.api._verifier_cache[key]
    yield started
    for key in [k for k in rlvr.api._verifier_cache if "7.25" in repr(k)]:
        del rlvr.api._verifier_cache[key]


def test_a_slow_build_does_not_block_other_tasks(slow_build):
    rlvr.verify("The answer is 1.", "1", "gsm8k", mode="strict")  # built before, as a warm trainer would have it
    builder = threading.Thread(target=rlvr.verify, args=("#### 1", "1", "gsm8k"), kwargs={"timeout": SLOW_TIMEOUT})
    builder.start()
    assert slow_build.wait(5)
    began = time.monotonic()
    assert rlvr.verify("The answer is 1.", "1", "gsm8k", mode="strict").correct
    assert rlvr.verify("#### 1", "1", "gsm8k", mode="flexible").correct  # a new key, built meanwhile
    assert time.monotonic() - began < 1.5, "another task waited behind the slow build"
    builder.join()


def test_fork_during_a_build_does_not_deadlock_the_child(slow_build):
    builder = threading.Thread(target=rlvr.verify, args=("#### 1", "1", "gsm8k"), kwargs={"timeout": SLOW_TIMEOUT})
    builder.start()
    assert slow_build.wait(5)
    pid = os.fork()
    if pid == 0:  # the child: the same key, whose build lock the parent's builder thread held
        ok = rlvr.verify("#### 1", "1", "gsm8k", timeout=SLOW_TIMEOUT).correct
        ok = ok and rlvr.verify("The answer is 2.", "2", "gsm8k", mode="strict").correct
        os._exit(0 if ok else 1)
    deadline = time.monotonic() + 30
    status = None
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the forked child hung on its first verify")
    builder.join()
    assert os.waitstatus_to_exitcode(status) == 0
