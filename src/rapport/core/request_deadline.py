"""A request's database work has a time limit: past it, the running query is stopped and the user told.

A list filtered on something no index serves, or a report over years of data, can keep a
query running for minutes, holding a web process (one of a few per machine) and, on SQLite,
the readers' snapshot. A watchdog thread per process checks the requests in flight a few times
a second; at a request's deadline it stops the query its thread is running, through the
driver's own thread-safe call (``cancel()`` in psycopg, ``interrupt()`` in sqlite3), and keeps
stopping any query that request starts after. The view gets the database error, and
``RequestDeadlineMiddleware`` answers 503 instead of a 500: problem+json in the API, a page
that says what to do elsewhere. Background tasks have no deadline: only requests register.

The limit is ``RAPPORT_REQUEST_SECONDS`` (30; 0 turns it off).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)
TICK_SECONDS = 0.1


@dataclass
class _InFlight:
    deadline: float
    database: BaseDatabaseWrapper
    stopped: bool = False


class _Watchdog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[int, _InFlight] = {}
        self._thread: threading.Thread | None = None

    def watch(self, seconds: float) -> _InFlight:
        # The wrapper itself: django.db.connection is a proxy that, read in the watchdog's thread, is that thread's.
        entry = _InFlight(deadline=time.monotonic() + seconds, database=connections[DEFAULT_DB_ALIAS])
        with self._lock:
            self._requests[threading.get_ident()] = entry
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="rapport-request-deadline", daemon=True)
                self._thread.start()
        return entry

    def release(self) -> None:
        with self._lock:
            self._requests.pop(threading.get_ident(), None)

    def _run(self) -> None:
        while True:
            time.sleep(TICK_SECONDS)
            now = time.monotonic()
            with self._lock:
                late = [entry for entry in self._requests.values() if entry.deadline <= now]
            for entry in late:
                if not entry.stopped:
                    logger.warning("A request passed its %s s limit: its query is stopped", settings.RAPPORT_REQUEST_SECONDS)
                entry.stopped = True
                _stop_query(entry.database)


def _stop_query(database: BaseDatabaseWrapper) -> None:
    raw = database.connection  # read from another thread: the driver's stop call is the thread-safe one
    if raw is None:
        return
    stop: Callable[[], None] | None = getattr(raw, "cancel", None) if database.vendor == "postgresql" else getattr(raw, "interrupt", None)
    if stop is None:
        return
    try:
        stop()
    except Exception:  # the connection closed under us: nothing is running any more
        logger.debug("Stopping a late request's query failed", exc_info=True)


watchdog = _Watchdog()


class RequestDeadlineMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = float(settings.RAPPORT_REQUEST_SECONDS)
        if seconds <= 0:
            return self.get_response(request)
        request._rapport_deadline = watchdog.watch(seconds)  # type: ignore[attr-defined]
        try:
            return self.get_response(request)
        finally:
            watchdog.release()

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        entry: _InFlight | None = getattr(request, "_rapport_deadline", None)
        if entry is None or not entry.stopped or not isinstance(exception, DatabaseError):
            return None
        watchdog.release()  # the answer below may read the database again
        return too_slow(request)


def too_slow(request: HttpRequest) -> HttpResponse:
    seconds = f"{float(settings.RAPPORT_REQUEST_SECONDS):g}"
    detail = _("This took longer than %(seconds)s seconds, so it was stopped. Narrow the filters or try again later.") % {
        "seconds": seconds
    }
    if request.path.startswith("/api/"):
        body = {"type": "about:blank", "title": _("Took too long"), "status": 503, "detail": detail}
        response: HttpResponse = JsonResponse(body, status=503, content_type="application/problem+json")
    else:
        response = render(request, "web/too_slow.html", {"detail": detail}, status=503)
    response["Retry-After"] = "30"
    return response
