"""Files that came with an interaction: an email's attachments, kept or refused by the upload rules."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.common.models import TimeStampedModel


class InteractionAttachment(TimeStampedModel):
    """One attachment of an interaction. A kept one is stored under MEDIA_ROOT with a name of our own and
    served only to who sees the interaction; one the upload rules refused (``common.uploads``: wrong type,
    too large, a decompression bomb) is listed with the reason and has no file."""

    interaction = models.ForeignKey("customers.Interaction", on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="interactions/%Y/%m/", max_length=255, blank=True)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    refused = models.CharField(_("why it was not kept"), max_length=300, blank=True)

    class Meta:
        ordering = ["interaction_id", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            # Kept (a file) or refused (a reason), never both or neither.
            models.CheckConstraint(
                condition=(models.Q(file="") & ~models.Q(refused="")) | (~models.Q(file="") & models.Q(refused="")),
                name="interaction_attachment_kept_or_refused",
            )
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def kept(self) -> bool:
        return not self.refused
