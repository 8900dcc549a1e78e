"""The entries of a customer's timeline, drawn in Python.

The 360 pages, the timeline page and My day show up to 50 entries. Drawn by
an included template, each entry cost about 1,200 Python calls (the include,
40 variable lookups, a dozen translations, three URLs): a third of an
account's 360 page. Here the URLs, formats and labels that do not change
from entry to entry are looked up once per page, and every value is escaped
by ``format_html``.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from django.contrib.humanize.templatetags.humanize import naturaltime
from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from rapport.customers.models import Channel, Direction
from rapport.web.icons import svg_icon
from rapport.web.record_display import url_prefix
from rapport.web.service_errors import translate_error
from rapport.web.time_display import time_element

EMPTY = SafeString()


@cache
def _constants() -> tuple[dict[str, str], str, dict[str, SafeString], SafeString, SafeString]:
    """What is the same on every page in every language: the URLs and the icons."""
    return (
        {kind: url_prefix(f"web:{kind}_detail") for kind in ("account", "contact", "lead")},
        url_prefix("web:interaction_attachment"),
        {"phone": svg_icon("phone", 15), "email": svg_icon("email", 15), "": svg_icon("interactions", 15)},
        svg_icon("reply", 13),
        svg_icon("paperclip", 14),
    )


class TimelineEntries:
    """Draws entries for one page, in the language and time zone of the request."""

    def __init__(self) -> None:
        self.detail, self.attachment, self.icons, self.reply_icon, self.file_icon = _constants()
        # get_channel_display() rebuilds the choices' dict on every call: 0.13 ms an entry.
        self.channels = {value: str(label) for value, label in Channel.choices}
        self.directions = {value: str(label) for value, label in Direction.choices}
        self.reply_to = _("Reply to")
        self.attachments = _("Attachments")

    def _link(self, kind: str, pk: int, label: Any, anchor: str = "") -> SafeString:
        return format_html('<a href="{}{}/{}">{}</a>', self.detail[kind], pk, anchor, label)

    def _customer(self, item: Any, *, record_type: str, show_customer: bool) -> SafeString:
        """Whom the entry was with: on the timeline page every entry's customer, on an account's its contact."""
        if show_customer:
            for kind in ("contact", "lead", "account"):
                if getattr(item, f"{kind}_id"):
                    return self._link(kind, getattr(item, f"{kind}_id"), getattr(item, kind))
        elif record_type == "account" and item.contact_id:
            return self._link("contact", item.contact_id, item.contact)
        return EMPTY

    def _reply(self, item: Any) -> SafeString:
        answered = item.in_reply_to
        if answered is None:
            return EMPTY
        kind = "contact" if answered.contact_id else "lead" if answered.lead_id else "account"
        link = self._link(kind, getattr(answered, f"{kind}_id"), answered.subject, f"#interaction-{answered.pk}")
        return format_html('<div class="tl-reply">{}{} {}</div>', self.reply_icon, self.reply_to, link)

    def _file(self, file: Any) -> SafeString:
        if file.kept:
            return format_html(
                '<li>{}<a href="{}{}/" download>{}</a> <span class="muted small">{}</span></li>',
                self.file_icon,
                self.attachment,
                file.pk,
                file.filename,
                filesizeformat(file.size),
            )
        reason = _("not kept: %(reason)s") % {"reason": translate_error(str(file.refused or ""))}
        return format_html(
            '<li>{}<span class="tl-file-refused">{}</span> <span class="muted small">{}</span></li>', self.file_icon, file.filename, reason
        )

    def _files(self, item: Any) -> SafeString:
        files = list(item.attachments.all())
        if not files:
            return EMPTY
        return format_html(
            '<ul class="tl-files" aria-label="{}">{}</ul>',
            self.attachments,
            format_html_join("", "{}", ((self._file(file),) for file in files)),
        )

    def entry(self, item: Any, *, record_type: str = "", show_customer: bool = False) -> SafeString:
        channel = self.channels.get(item.channel, item.channel)
        kind = channel if item.channel == "system" else format_html("{} · {}", channel, self.directions.get(item.direction, item.direction))
        return format_html(
            '<li class="tl-item" id="interaction-{}">'
            '<span class="tl-icon tl-{}" title="{}">{}</span>'
            '<div class="tl-body"><div class="tl-title">{}</div>{}'
            '<div class="tl-meta"><span class="badge badge-muted">{}</span>{}'
            "{}{}</div>"
            "{}{}</div></li>",
            item.pk,
            item.channel,
            channel,
            self.icons.get(item.channel, self.icons[""]),
            item.subject,
            self._reply(item),
            kind,
            self._customer(item, record_type=record_type, show_customer=show_customer),
            time_element(timezone.localtime(item.occurred_at), naturaltime(item.occurred_at)),
            format_html("<span>{}</span>", item.user) if item.user_id else EMPTY,
            format_html('<div class="tl-text">{}</div>', linebreaksbr(item.body)) if item.body else EMPTY,
            self._files(item),
        )


def timeline_entries(items: Iterable[Any], *, record_type: str = "", show_customer: bool = False) -> SafeString:
    """The ``<li>`` of each interaction, newest first as given."""
    drawer = TimelineEntries()
    return format_html_join("", "{}", ((drawer.entry(item, record_type=record_type, show_customer=show_customer),) for item in items))
