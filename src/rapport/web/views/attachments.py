"""Downloading a file that came with an interaction: only for who sees the interaction, never shown in place."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, StreamingHttpResponse

from rapport.common.errors import NotFound
from rapport.common.uploads import attachment_response
from rapport.core import selectors as core_selectors
from rapport.customers import attachments


@login_required
def interaction_attachment(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    try:
        attachment = attachments.interaction_attachment_get_for_user(user=core_selectors.actor_of(request), attachment_id=pk)
        stream = attachments.interaction_attachment_open(attachment=attachment)
    except NotFound as exc:
        raise Http404(exc.message) from None
    return attachment_response(stream, filename=attachment.filename, content_type=attachment.content_type)
