"""Search terms carry their record's owner, team and shared flag, and two indexes walk them by owner and by team.

The existing terms get their record's values with one UPDATE ... FROM per
record type (a join, not a probe per term: several million terms at 1,000,000
contacts); the indexes are built after, over the filled table. The shared flag
comes first: SQLite rebuilds the table to add a NOT NULL column, and the two
nullable ids then are a plain ADD COLUMN.
"""

from django.db import migrations, models

_RECORD_TABLES = {"account": "Account", "contact": "Contact", "lead": "Lead"}


def copy_visibility(apps, schema_editor):
    quote = schema_editor.connection.ops.quote_name
    terms = quote(apps.get_model("customers", "SearchTerm")._meta.db_table)
    for record_type, model_name in _RECORD_TABLES.items():
        records = quote(apps.get_model("customers", model_name)._meta.db_table)
        # bandit B608: table names come from the models, the record type is a parameter.
        schema_editor.execute(
            f"UPDATE {terms} SET owner_id = r.owner_id, team_id = r.team_id, shared_with_team = r.shared_with_team "  # noqa: S608  # nosec B608
            f"FROM {records} AS r WHERE {terms}.record_type = %s AND r.id = {terms}.record_id",
            [record_type],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0010_contactpoint_email_ci_idx"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchterm",
            name="shared_with_team",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="searchterm",
            name="owner_id",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="searchterm",
            name="team_id",
            field=models.BigIntegerField(null=True),
        ),
        migrations.RunPython(copy_visibility, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="searchterm",
            index=models.Index(
                fields=["record_type", "owner_id", "term", "record_id"],
                name="search_term_owner_idx",
                opclasses=["varchar_pattern_ops", "int8_ops", "varchar_pattern_ops", "int8_ops"],
            ),
        ),
        migrations.AddIndex(
            model_name="searchterm",
            index=models.Index(
                fields=["record_type", "team_id", "term", "record_id", "shared_with_team"],
                name="search_term_team_idx",
                opclasses=["varchar_pattern_ops", "int8_ops", "varchar_pattern_ops", "int8_ops", "bool_ops"],
            ),
        ),
    ]
