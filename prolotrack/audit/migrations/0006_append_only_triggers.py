# Database triggers that refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on the audit
# tables; see prolotrack/audit/triggers.py. Keep this the last migration touching these tables
# on SQLite, or install the triggers again after a table rebuild.

from django.db import migrations

from prolotrack.audit import triggers


def install(apps, schema_editor):
    triggers.install(schema_editor.connection)


def drop(apps, schema_editor):
    triggers.drop(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0005_chain_constraints'),
    ]

    operations = [
        migrations.RunPython(install, drop),
    ]
