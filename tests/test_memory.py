"""The cycle collector around a check (accel/memory.py): off while a check runs, as it was afterwards, with
the garbage of the check collected; a forked worker never walks what it inherited, and the parent's
collector is left as it was."""
from __future__ import annotations

import gc
import weakref

import pytest

from jianyan.accel import memory, pipeline, pools


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


@pytest.mark.parametrize("enabled", [True, False])
def test_collector_off_during_a_check_and_as_it_was_after(enabled):
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with memory.collector_off():
            assert not gc.isenabled()
            cycle = weakref.ref(_Node())
            assert cycle() is not None  # not collected meanwhile
        assert cycle() is None  # collected at the end: a process running many checks keeps none of it
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_collector_back_on_when_the_check_fails(campaign, monkeypatch):
    assert gc.isenabled()

    def broken(*args, **kwargs):
        assert not gc.isenabled()  # the check itself runs with the collector off
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(pipeline, "_check", broken)
    with pytest.raises(ZeroDivisionError):
        pipeline.check(campaign)
    assert gc.isenabled()


def _collector_state(_: int) -> tuple[int, int, bool]:
    return gc.get_freeze_count(), gc.get_threshold()[0], gc.isenabled()


@pytest.mark.parametrize("during_a_check", [False, True])
def test_a_forked_worker_does_not_walk_what_it_inherited(during_a_check):
    """A worker freezes what it inherited and collects its own garbage, also when forked while a check runs
    with the collector off (else its garbage would pile up until it ends)."""
    inherited = [_Node() for _ in range(100)]  # tracked objects the workers inherit
    threshold = gc.get_threshold()
    if during_a_check:
        with memory.collector_off():
            got = list(pools.imap(_collector_state, range(4), 2))
    else:
        got = list(pools.imap(_collector_state, range(4), 2))
    assert all(frozen >= len(inherited) and first == memory.WORKER_THRESHOLD and on for frozen, first, on in got)
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == threshold and gc.isenabled()  # the parent's as it was
