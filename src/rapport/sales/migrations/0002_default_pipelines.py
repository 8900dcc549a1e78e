from django.db import migrations

from rapport.sales.defaults import create_default_pipelines


def forwards(apps, schema_editor):
    create_default_pipelines(apps.get_model("sales", "Pipeline"), apps.get_model("sales", "Stage"))


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
