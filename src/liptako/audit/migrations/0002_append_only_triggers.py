from django.db import migrations

from liptako.audit.triggers import EVENT_TABLE, create_triggers, drop_triggers


def forwards(apps, schema_editor):
    create_triggers(schema_editor.connection, tables=[EVENT_TABLE])


def backwards(apps, schema_editor):
    # Every later trigger is gone by now; dropping all also drops the PostgreSQL function.
    drop_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
