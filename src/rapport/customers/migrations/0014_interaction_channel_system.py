"""Rapport's own timeline notes get their own channel, "Automatic" (system).

The only writer so far, the nightly contract roll-over, stored its notes as outbound web
contacts, by the contract's owner; they move to the new channel with no author, so contact
counts and churn features stop counting them.
"""

from django.db import migrations, models


def notes_to_system(apps, schema_editor):
    Interaction = apps.get_model("customers", "Interaction")
    Interaction.objects.filter(channel="web", direction="outbound", concerns__startswith="sales.contract:").filter(
        models.Q(subject__contains=" renewed automatically: ") | models.Q(subject__contains=" expired on ")
    ).update(channel="system", user=None)


def notes_to_web(apps, schema_editor):
    Interaction = apps.get_model("customers", "Interaction")
    Interaction.objects.filter(channel="system").update(channel="web")


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0013_interaction_message_id'),
    ]

    operations = [
        migrations.AlterField(
            model_name='interaction',
            name='channel',
            field=models.CharField(choices=[('phone', 'Phone'), ('email', 'Email'), ('web', 'Web'), ('portal', 'Portal'), ('face_to_face', 'Face to face'), ('letter', 'Letter'), ('fax', 'Fax'), ('chat', 'Chat'), ('system', 'Automatic')], max_length=12, verbose_name='channel'),
        ),
        migrations.RunPython(notes_to_system, notes_to_web),
    ]
