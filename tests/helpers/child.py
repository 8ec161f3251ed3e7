"""Running a hostile case where a bug cannot eat the machine: a forked child under an address-space
cap, with a deadline (the readers' and importers' security tests)."""
from __future__ import annotations

import os
import pickle
import resource
import select
import signal
import time
import traceback

import pytest

MEMORY = 1 << 30  # what a case may use on top of the test process (the bomb wanted over 8 GB)


def _vm_size() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def in_child(fn, *args, memory: int = MEMORY, timeout: float = 60):
    """``fn(*args)`` in a forked child whose address space is capped at ``memory`` more than now.
    Returns what it returned; an exception in the child (MemoryError, RecursionError…, with its
    traceback), a crash or running past ``timeout`` seconds fails the test with what happened."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 0
        try:
            os.close(read_end)
            cap = _vm_size() + memory
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
            try:
                result = ("ok", fn(*args))
            except BaseException as exc:  # noqa: BLE001 - reported to the parent
                result = ("raised", f"{type(exc).__name__}: {str(exc)[:500]}\n{traceback.format_exc()[-4000:]}")
            data = pickle.dumps(result)
            while data:
                data = data[os.write(write_end, data):]
        except BaseException:  # noqa: BLE001
            status = 3
        finally:
            os._exit(status)
    os.close(write_end)
    chunks, deadline = [], time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([read_end], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                pytest.fail(f"no answer within {timeout} s")
            chunk = os.read(read_end, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
    if not chunks:
        pytest.fail(f"the child died (wait status {status})")
    kind, value = pickle.loads(b"".join(chunks))
    if kind != "ok":
        pytest.fail(f"the child raised {value}")
    return value
