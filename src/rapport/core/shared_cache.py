"""The cache the web processes of one machine share when there is no cache server: files under var/cache/.

Login throttles and API rate limits count here. Django's file cache reads and rewrites a counter
without a lock, so two processes counting at once lose a count between them; and its ``incr``
rewrites the counter with the default timeout, so each count pushed the window's end further out
(Redis keeps a key's expiry on INCR). Counting under one file lock (``flock``, which the kernel
drops if a process dies) makes each count land exactly once and leaves the window where it was.
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


class SharedFileCache(FileBasedCache):
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
