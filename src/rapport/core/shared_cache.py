"""The cache the web processes of one machine share when there is no cache server: files under var/cache/.

Login throttles and API rate limits count here. Django's file cache reads and rewrites a counter
without a lock, so two processes counting at once lose a count between them; and its ``incr``
rewrites the counter with the default timeout, so each count pushed the window's end further out
(Redis keeps a key's expiry on INCR). Counting under one file lock (``flock``, which the kernel
drops if a process dies) makes each count land exactly once and leaves the window where it was.

Django's file cache also makes room by deleting a random third of its files once it holds
``MAX_ENTRIES`` (300 by default): anyone able to create 300 keys (failed sign-ins under made-up
names) could wipe the throttle counters of the account they are guessing. Here the bound is
``MAX_ENTRIES`` (5,000 unless configured), expired entries go first, and live ones are dropped only
when more than that many are live at once.
"""

from __future__ import annotations

import fcntl
import os
import pickle  # nosec B403 - reads only files this cache wrote under var/cache/
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache

DEFAULT_MAX_ENTRIES = 5000


class SharedFileCache(FileBasedCache):
    def __init__(self, dir: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        options.setdefault("MAX_ENTRIES", DEFAULT_MAX_ENTRIES)
        super().__init__(dir, {**params, "OPTIONS": options})

    def _cull(self) -> None:
        files = self._list_cache_files()  # type: ignore[attr-defined]  # private to Django, not in its stubs
        if len(files) < self._max_entries:  # type: ignore[attr-defined]
            return
        live = []
        for name in files:
            try:
                with open(name, "rb") as f:
                    if not self._is_expired(f):  # type: ignore[attr-defined]  # deletes the file when it has expired
                        live.append(name)
            except FileNotFoundError:
                continue
        if len(live) >= self._max_entries:  # type: ignore[attr-defined]
            super()._cull()  # type: ignore[misc]  # more live entries than the bound: Django's random third

    @contextmanager
    def _counting(self) -> Iterator[None]:
        self._createdir()  # type: ignore[attr-defined]  # private to Django, not in its stubs
        fd = os.open(os.path.join(self._dir, "counting.lock"), os.O_RDWR | os.O_CREAT, 0o600)  # type: ignore[attr-defined]
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor drops the lock

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        with self._counting():
            return bool(super().add(key, value, timeout, version))

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        with self._counting():
            try:
                with open(self._key_to_file(key, version), "rb") as f:  # type: ignore[attr-defined]
                    expires = pickle.load(f)  # noqa: S301  # nosec B301 - a file this cache wrote
                    value = pickle.loads(zlib.decompress(f.read()))  # noqa: S301  # nosec B301
            except (FileNotFoundError, EOFError):
                raise ValueError(f"Key '{key}' not found") from None
            now = time.time()
            if expires is not None and expires < now:
                raise ValueError(f"Key '{key}' not found")
            new_value = value + delta
            super().set(key, new_value, None if expires is None else expires - now, version)
            return new_value
