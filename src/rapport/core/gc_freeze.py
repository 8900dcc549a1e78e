"""Keeping the garbage collector off the objects a web process keeps for its whole life.

A full collection walks every object still tracked. In a web process most of them are the loaded code and
its caches, which never become garbage: collecting them cost 100-200 ms (35-50 ms with the master's
objects frozen) for one request in a hundred. ``gc.freeze`` moves them out of the collector's reach.
"""

from __future__ import annotations

import gc
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from django.core.signals import request_finished

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse


def freeze_loaded_objects() -> None:
    """Load what every process keeps (templates, translations), then move every object alive now out of the
    collector's generations.

    They live as long as the process, so collecting them is wasted work. Templates compiled after the freeze,
    on a worker's first requests, were still walked by every full collection: 35-50 ms, one list page in a
    hundred.
    """
    _load_templates_and_translations()
    _freeze()


def _freeze() -> None:
    gc.collect()  # first, so no garbage is frozen
    gc.freeze()


def _load_templates_and_translations() -> None:
    from django.apps import apps
    from django.conf import settings
    from django.template import TemplateDoesNotExist, TemplateSyntaxError
    from django.template.loader import get_template
    from django.utils import translation

    for config in apps.get_app_configs():
        root = Path(config.path) / "templates"
        for path in sorted(root.rglob("*.html")) if root.is_dir() else ():
            try:
                get_template(path.relative_to(root).as_posix())  # the cached loader keeps it
            except (TemplateDoesNotExist, TemplateSyntaxError):
                continue  # a template only another app's loader resolves, or one meant for another engine
    for code, _ in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Contacts")  # loads the language's catalog


SETTLE_AFTER_REQUESTS = 100
_requests_served = itertools.count(1)


class FreezeAfterWarmUpMiddleware:
    """Once a process has served its first requests, freeze what they left behind for good.

    A worker's first requests fill caches that live as long as it does (the ORM's, the URL resolver's, the
    phone-number metadata, the database driver's); every full collection walked them again, 35-50 ms for one
    list page in a hundred even with the master's objects frozen. Frozen objects are never freed: what turns
    to garbage later stays, which is bounded by doing it once and by recycling workers (``max_requests``).

    The freeze starts with a full collection (40-45 ms at 1,000,000 contacts), so it waits until the
    hundredth response has been sent: the server closes a response after writing it, and Django then
    signals ``request_finished``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if next(_requests_served) == SETTLE_AFTER_REQUESTS:
            request_finished.connect(_freeze_once_sent, dispatch_uid=_FREEZE_ONCE)
        return response


_FREEZE_ONCE = "rapport.core.gc_freeze.after_warm_up"


def _freeze_once_sent(**kwargs: object) -> None:
    request_finished.disconnect(dispatch_uid=_FREEZE_ONCE)
    _freeze()
