"""Worker processes (accel/pools.py) fail loudly and leave nothing running: a worker killed (by the
system, for want of memory) or a check that raises in a worker reaches the caller; it never waits for ever."""
from __future__ import annotations

import multiprocessing
import os
import signal

import pytest

from jianyan import checks
from jianyan.accel import findingscache, pools
from jianyan.campaign.load import load_campaign


def _square_or_die(x: int) -> int:
    if x == 3:
        os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would
    return x * x


def _square(x: int) -> int:
    return x * x


def test_results_come_in_order():
    assert list(pools.imap(_square, range(50), 2, chunksize=4)) == [x * x for x in range(50)]
    assert not multiprocessing.active_children()


def test_a_killed_worker_is_an_error_not_a_wait():
    with pytest.raises(pools.WorkersLost, match="工作进程意外退出"):
        list(pools.imap(_square_or_die, range(8), 2))
    assert not multiprocessing.active_children()


def test_work_not_wanted_after_all_is_ended():
    running = pools.background(_square, range(1000), 2)
    assert len(multiprocessing.active_children()) == 2  # at work while the caller does other things
    running.stop()  # the caller went another way (its check failed)
    assert not multiprocessing.active_children()


def _broken(campaign, ctx):
    raise ZeroDivisionError("a rule's bug")
    yield  # noqa: unreachable - a generator, as the checks are


@pytest.mark.parametrize("stop_only", [False, True])
def test_a_per_file_family_failing_in_a_worker_reaches_the_caller(campaign, monkeypatch, stop_only):
    """``Together``: the failure of a family run by the workers comes out of ``finish`` (or the workers are
    ended by ``stop`` when the check fails elsewhere first), with no worker left behind."""
    monkeypatch.setenv("JIANYAN_CACHE", "0")
    monkeypatch.setattr(findingscache, "PARALLEL_MIN", 1)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    camp = load_campaign(campaign)
    runner = findingscache.Together([checks.Family("broken", _broken, owns=())])
    runner.start(camp, checks.Context())
    if stop_only:
        runner.stop()
    else:
        with pytest.raises(ZeroDivisionError, match="a rule's bug"):
            runner.finish()
    assert not multiprocessing.active_children()
