from django.db import migrations

from liptako.core.db_triggers import create_immutable_triggers, drop_immutable_triggers

TABLE = "plans_planversion"
PREFIX = "plan_version"


def forwards(apps, schema_editor):
    create_immutable_triggers(
        schema_editor.connection, table=TABLE, prefix=PREFIX, what="a frozen plan version"
    )


def backwards(apps, schema_editor):
    drop_immutable_triggers(schema_editor.connection, table=TABLE, prefix=PREFIX)


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
