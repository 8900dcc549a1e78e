"""The file cache the web processes share: counts from several processes all land, a window keeps its end."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from rapport.core.shared_cache import SharedFileCache


def _cache(folder: Path) -> SharedFileCache:
    return SharedFileCache(str(folder), {})


def _count(folder: str, times: int) -> None:
    cache = _cache(Path(folder))
    for _ in range(times):
        if not cache.add("failures", 1, timeout=60):
            cache.incr("failures")


def test_counts_from_four_processes_at_once_all_land(tmp_path):
    context = multiprocessing.get_context("spawn")  # no Django state forked into the children
    processes = [context.Process(target=_count, args=(str(tmp_path), 50)) for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    assert _cache(tmp_path).get("failures") == 200


def test_a_count_keeps_the_window_it_started(tmp_path):
    cache = _cache(tmp_path)
    assert cache.add("attempts", 1, timeout=2)
    time.sleep(1.2)
    assert cache.incr("attempts") == 2
    time.sleep(1.0)
    # Django's own incr rewrote the counter with the default timeout (300 s): the window never ended.
    assert cache.get("attempts") is None


def test_counting_a_missing_or_expired_key_is_a_value_error(tmp_path):
    cache = _cache(tmp_path)
    cache.set("gone", 1, timeout=0.01)
    time.sleep(0.05)
    for key in ("never", "gone"):
        with pytest.raises(ValueError, match=key):
            cache.incr(key)
