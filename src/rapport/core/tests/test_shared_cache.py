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


def test_making_room_drops_expired_entries_and_keeps_a_live_throttle_count(tmp_path):
    cache = SharedFileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 20}})
    assert cache.add("login-failures:alice", 3, timeout=600)
    for i in range(19):  # made-up names, each a short-lived key, as a guesser would leave behind
        cache.set(f"noise:{i}", 1, timeout=1)
    time.sleep(1.2)
    for i in range(19, 38):  # past the bound: the expired ones make room, the live count stays
        cache.set(f"noise:{i}", 1, timeout=60)
    assert cache.get("login-failures:alice") == 3
    assert len(list(tmp_path.glob("*.djcache"))) <= 21


def test_the_default_bound_is_far_above_djangos_300():
    from django.conf import settings

    cache = SharedFileCache(settings.CACHES["default"]["LOCATION"], {})
    assert cache._max_entries == 5000
