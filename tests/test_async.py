"""`rlvr.averify` / `Verifier.averify_batch`: the synchronous verdicts, without blocking the event loop."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import pytest
from service_data import judgement, math_samples, mbpp_samples, mixed_samples

import rlvr
from rlvr.verifiers.base import Verifier


def test_averify_gives_the_verdicts_of_verify():
    samples = mixed_samples(30)

    async def run():
        return await asyncio.gather(*(rlvr.averify(s.completion, s.ground_truth, task=s.task) for s in samples))

    verdicts = asyncio.run(run())
    expected = [rlvr.verify(s.completion, s.ground_truth, task=s.task) for s in samples]
    assert [judgement(v) for v in verdicts] == [judgement(v) for v in expected]
    assert {v.reason for v in verdicts} >= {"ok", "mismatch"}


def test_averify_batch_keeps_input_order_and_the_length_check():
    samples = math_samples(12)
    verifier = rlvr.get_verifier("math")
    completions, truths = [s.completion for s in samples], [s.ground_truth for s in samples]
    assert asyncio.run(verifier.averify_batch(completions, truths)) == verifier.verify_batch(completions, truths)
    with pytest.raises(ValueError, match="completions"):
        asyncio.run(verifier.averify_batch(completions, truths[:-1]))


def test_configuration_errors_raise_and_content_never_does():
    with pytest.raises(ValueError, match="unknown"):
        asyncio.run(rlvr.averify("x", "1", task="no_such_task"))
    with pytest.raises(ValueError, match="unknown option"):
        asyncio.run(rlvr.averify("x", "1", task="gsm8k", nmode="strict"))
    verdict = asyncio.run(rlvr.averify(None, "1", task="gsm8k"))  # type: ignore[arg-type]
    assert verdict.failed and verdict.reason == "error"


class _Sleeper(Verifier):
    """A verifier whose check outlives its timeout: the async path must report the same timeout."""

    task = "sleeper"

    def check(self, completion, ground_truth, deadline):
        time.sleep(0.3)
        deadline.check()
        raise AssertionError("unreachable")


def test_timeouts_are_those_of_verify():
    verifier = _Sleeper(timeout=0.1)
    assert asyncio.run(verifier.averify("x", "y")) == verifier.verify("x", "y")
    assert asyncio.run(verifier.averify("x", "y")).reason == "timeout"


def test_the_event_loop_stays_free_while_math_and_code_verify():
    """A 10 ms heartbeat shows no gap over 100 ms while 40 math and 6 code verifications run."""
    maths, codes = math_samples(40), mbpp_samples(6)
    # Each program first sleeps 0.2 s, so the work outlasts the gap bound: a blocked loop could not hide.
    codes = [replace(s, completion="import time\ntime.sleep(0.2)\n" + s.completion) for s in codes]
    code_verifier = rlvr.get_verifier("mbpp")
    rlvr.verify(maths[0].completion, maths[0].ground_truth, task="math")  # build the verifiers and pools first

    async def run():
        beats: list[float] = []
        done = asyncio.Event()

        async def heartbeat():
            while not done.is_set():
                beats.append(time.monotonic())
                await asyncio.sleep(0.01)

        beating = asyncio.create_task(heartbeat())
        await asyncio.sleep(0.05)
        started = time.monotonic()
        verdicts = await asyncio.gather(
            *(rlvr.averify(s.completion, s.ground_truth, task="math") for s in maths),
            *(code_verifier.averify(s.completion, s.ground_truth) for s in codes),
        )
        elapsed = time.monotonic() - started
        await asyncio.sleep(0.03)  # a beat after the work, so a loop blocked until its end shows a gap
        done.set()
        await beating
        return verdicts, beats, elapsed

    verdicts, beats, elapsed = asyncio.run(run())
    gaps = [b - a for a, b in zip(beats, beats[1:])]
    assert max(gaps) < 0.1, f"largest heartbeat gap {max(gaps) * 1000:.0f} ms in {elapsed:.2f} s of verification"
    assert elapsed > 0.1  # the work overlapped the heartbeat for a while
    assert [v.reason for v in verdicts[40:]].count("ok") == 3  # the 3 reference programs pass, the swapped fail
    assert not any(v.failed for v in verdicts)
