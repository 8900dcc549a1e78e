"""Mail filed before interactions kept their Message-ID gets it from its bookkeeping row, so replies to it thread too."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def copy_message_ids(apps, schema_editor):
    Interaction = apps.get_model("customers", "Interaction")
    InboundMail = apps.get_model("dataops", "InboundMail")
    filed = InboundMail.objects.filter(interaction_id=OuterRef("pk")).order_by("id").values("message_id")[:1]
    Interaction.objects.filter(message_id="", pk__in=InboundMail.objects.filter(interaction__isnull=False).values("interaction_id")).update(
        message_id=Subquery(filed)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0013_interaction_message_id"),
        ("dataops", "0004_inbound_mail_skip_reason_and_raw"),
    ]

    operations = [migrations.RunPython(copy_message_ids, migrations.RunPython.noop)]
