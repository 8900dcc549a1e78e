"""Attachments of interactions (an email's files), kept by the same rules as every upload.

Each file goes through ``common.uploads.check_upload``, the check contract
documents pass too: type judged by content and agreeing with the name, size
bounded by ``RAPPORT_MAX_UPLOAD_BYTES``, decompression bombs and archive
members that climb out refused, the name sanitised and the bytes stored under
a random name. A refused file does not refuse the interaction: it is listed
with the reason and no bytes. A kept one is sent back only as a download
(``attachment_response``) to users who see the interaction; to anyone else it
does not exist (404).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from rapport.common.errors import NotFound, ValidationFailed
from rapport.common.uploads import check_upload, sanitise_filename
from rapport.core.audit import audit_record, diff
from rapport.core.models import AuditAction, User
from rapport.customers import selectors
from rapport.customers.models import Interaction, InteractionAttachment


def _refusal(exc: ValidationFailed) -> str:
    return (exc.field_errors.get("file") or [exc.message])[0][:300]


def _name(raw: str) -> str:
    try:
        return sanitise_filename(raw)[:200]
    except ValidationFailed:
        return "attachment"


def interaction_attachments_store(
    *, actor: User, interaction: Interaction, files: Sequence[tuple[str, bytes]], via: str = "web"
) -> list[InteractionAttachment]:
    """Keep each (name, bytes) that passes the upload rules, list the others as refused with the reason.

    Call it inside the transaction that writes the interaction; if that
    transaction fails, pass what it returned to ``interaction_attachments_discard``.
    """
    if not selectors.interaction_list_for_user(user=actor).filter(pk=interaction.pk).exists():
        raise NotFound("No such interaction.")
    stored: list[InteractionAttachment] = []
    try:
        with transaction.atomic():
            for raw_name, payload in files:
                upload = SimpleUploadedFile(raw_name or "attachment", payload)
                try:
                    checked = check_upload(upload)
                except ValidationFailed as exc:
                    row = InteractionAttachment(interaction=interaction, filename=_name(raw_name), size=len(payload), refused=_refusal(exc))
                else:
                    row = InteractionAttachment(
                        interaction=interaction, filename=checked.filename[:200], content_type=checked.content_type, size=checked.size
                    )
                    upload.seek(0)
                    row.file.save(checked.stored_name, upload, save=False)
                stored.append(row)
                row.save()
            if stored:
                listed = [f"{row.filename} ({'kept' if row.kept else 'refused: ' + row.refused})" for row in stored]
                audit_record(actor=actor, action=AuditAction.UPDATE, record=interaction, changes=diff({}, {"attachments": listed}), via=via)
    except Exception:
        interaction_attachments_discard(attachments=stored)
        raise
    return stored


def interaction_attachments_discard(*, attachments: Iterable[InteractionAttachment]) -> None:
    """Delete the stored bytes of attachments whose rows were rolled back (no file is left behind unlisted)."""
    for row in attachments:
        if row.file.name:
            row.file.storage.delete(row.file.name)


def interaction_attachment_get_for_user(*, user: User, attachment_id: int) -> InteractionAttachment:
    """A kept attachment of an interaction the user sees; a refused one has nothing to download (404 too)."""
    visible = selectors.interaction_list_for_user(user=user).values("pk")
    found = InteractionAttachment.objects.filter(pk=attachment_id, interaction__in=visible, refused="").first()
    if found is None:
        raise NotFound("No such attachment.")
    return found


def interaction_attachment_open(*, attachment: InteractionAttachment) -> Any:
    """The stored bytes of an attachment found through ``interaction_attachment_get_for_user``."""
    try:
        return attachment.file.open("rb")
    except FileNotFoundError:
        raise NotFound("The file of this attachment is missing.") from None
