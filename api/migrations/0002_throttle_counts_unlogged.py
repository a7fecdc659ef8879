"""On PostgreSQL the throttle counts are an UNLOGGED table: they are a minute's requests per
caller, so they need no write-ahead log, and a request that counts itself then commits without
waiting for a disk flush. A crash empties the table, which only restarts the windows."""

from django.db import migrations


def unlogged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE api_throttlecount SET UNLOGGED")


def logged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE api_throttlecount SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("api", "0001_throttle_counts")]
    operations = [migrations.RunPython(unlogged, logged)]
