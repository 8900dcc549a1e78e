"""``rapport mail serve``: an SMTP receiver (aiosmtpd) that files each message it accepts.

It answers only after the message is filed (or refused), so the sending
server keeps the message and retries when Rapport could not take it:

- filed, already filed, or skipped as machine-sent: ``250``;
- unreadable or beyond a bound (``common.mail_parse``): ``554`` with the reason
  (the sender gets a bounce that says why); larger than ``RAPPORT_MAX_MAIL_BYTES``:
  ``552`` from aiosmtpd before the body is kept;
- anything unexpected (the database away...): ``451``, try again later.

It has no authentication and no TLS: bind it to loopback (the default) and
let the organisation's mail server (Postfix, Exchange) relay to it. Messages
are filed one at a time on one thread, so SQLite never sees two writers from it.
"""

from __future__ import annotations

import asyncio
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiosmtpd.controller import Controller
from django.db import close_old_connections

from rapport.common.errors import PermissionDenied, ValidationFailed
from rapport.common.mail_parse import max_mail_bytes
from rapport.core.models import User
from rapport.dataops.inbound_mail import MailFiled, inbound_mail_file

log = logging.getLogger(__name__)


def _reply_text(text: str) -> str:
    """SMTP reply text: one line of printable ASCII."""
    return re.sub(r"[^\x20-\x7e]+", "?", text)[:400]


class FilingHandler:
    """aiosmtpd handler: each DATA is filed for ``user_id`` before the reply is sent."""

    def __init__(self, user_id: int):
        self.user_id = user_id
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rapport-mail")
        self.results: list[MailFiled] = []

    def _file(self, raw: bytes) -> MailFiled:
        close_old_connections()
        try:
            actor = User.objects.get(pk=self.user_id)
            return inbound_mail_file(actor=actor, raw=raw, via="smtp")
        finally:
            close_old_connections()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        try:
            result = await asyncio.get_running_loop().run_in_executor(self.executor, self._file, raw)
        except ValidationFailed as exc:
            return f"554 5.6.0 {_reply_text(exc.message)}"
        except PermissionDenied as exc:
            return f"550 5.7.1 {_reply_text(exc.message)}"
        except Exception:
            # The sender keeps the message and tries again later: nothing is lost.
            log.exception("inbound mail could not be filed")
            return "451 4.3.0 Could not file the message now; try again later"
        self.results.append(result)
        if result.outcome == "skipped":
            return f"250 2.0.0 Accepted, not filed: {_reply_text(result.reason)}"
        if result.outcome == "duplicate":
            return "250 2.0.0 Already filed"
        return f"250 2.0.0 Filed as interaction {result.interaction_id}"


def mail_receiver(*, user: User, host: str = "127.0.0.1", port: int = 2525) -> Controller:
    """An unstarted SMTP receiver filing for ``user``; ``.start()`` it, ``.stop()`` it."""
    return Controller(
        FilingHandler(user.pk),
        hostname=host,
        port=port,
        data_size_limit=max_mail_bytes(),
        enable_SMTPUTF8=True,
        ident="Rapport inbound mail",
    )
