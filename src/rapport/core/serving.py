"""The production web server behind ``rapport serve``: gunicorn, one process per core, threads in each.

One Python process runs Python code on one core at a time, so a single server
process queues every request behind the slowest one on a multi-core machine.
gunicorn's master forks one worker process per core; each worker serves
requests on a few threads, which overlap while a request waits on the database.

- The application (Django, the URL conf) is loaded once in the master before
  it forks (``preload_app``), so a worker starts in milliseconds and shares the
  loaded code with its siblings.
- SIGTERM: the master closes the listening socket, each worker finishes the
  requests it has (up to ``graceful_timeout``) and exits.
- What the master loaded is frozen out of the garbage collector's reach before
  it forks (``core.gc_freeze``): a full collection in a worker then walks only what
  the worker made since, not every object of Django and Rapport (100-200 ms,
  one request in a hundred, without it), and the pages the workers share from
  the master stay shared instead of being copied when the collector marks them.
- A worker freezes again after its first hundred requests
  (``core.gc_freeze.FreezeAfterWarmUpMiddleware``): the caches they filled live as long as it does.
- A worker that stops reporting for ``timeout`` seconds is killed and replaced;
  every worker is replaced after ``max_requests`` requests (plus jitter, so they
  do not all restart together), which bounds slow memory growth.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from gunicorn.app.base import BaseApplication

from rapport.core.gc_freeze import freeze_loaded_objects

# The pid (``%(p)s``) tells which worker process served a request; the rest is the common log format.
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms pid=%(p)s'


def usable_cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS has no sched_getaffinity
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class ServeOptions:
    host: str
    port: int
    workers: int
    threads: int
    timeout: int
    graceful_timeout: int
    max_requests: int
    access_log: str | None

    @property
    def bind(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def gunicorn_settings(self) -> dict[str, Any]:
        return {
            "bind": [self.bind],
            "worker_class": "gthread",
            "workers": self.workers,
            "threads": self.threads,
            "timeout": self.timeout,
            "graceful_timeout": self.graceful_timeout,
            "max_requests": self.max_requests,
            "max_requests_jitter": self.max_requests // 10,
            "preload_app": True,
            "accesslog": self.access_log,
            "access_log_format": ACCESS_LOG_FORMAT,
            "errorlog": "-",
            "proc_name": "rapport",
            # gunicorn's control socket sits at one path per user: a second server (a test, a
            # second instance) would take it over. Rapport is managed with signals instead.
            "control_socket_disable": True,
        }


class RapportServer(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    def __init__(self, options: ServeOptions):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.gunicorn_settings().items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        from django.db import connections
        from django.urls import get_resolver

        from rapport.wsgi import application

        # Import the URL conf here, in the master, so no worker pays for it on its first request.
        get_resolver().url_patterns  # noqa: B018
        # A connection opened in the master would be shared by every forked worker: close it.
        connections.close_all()
        freeze_loaded_objects()
        return application


def serve(options: ServeOptions) -> None:
    """Run the server until SIGTERM or SIGINT; the master process is the calling process."""
    RapportServer(options).run()
