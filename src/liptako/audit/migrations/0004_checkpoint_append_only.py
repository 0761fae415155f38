from django.db import migrations

from liptako.audit.triggers import CHECKPOINT_TABLE, create_triggers, drop_triggers


def forwards(apps, schema_editor):
    create_triggers(schema_editor.connection, tables=[CHECKPOINT_TABLE])


def backwards(apps, schema_editor):
    drop_triggers(schema_editor.connection, tables=[CHECKPOINT_TABLE])


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_checkpoint_unique_sequence")]

    operations = [migrations.RunPython(forwards, backwards)]
