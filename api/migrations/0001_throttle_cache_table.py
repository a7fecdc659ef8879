"""The table the API's throttle counts live in (settings.CACHES["throttle"]), shared by every
worker. createcachetable makes it, and makes nothing when the cache is not in the database."""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_throttle_table(apps, schema_editor):
    schema_editor.execute("DROP TABLE IF EXISTS api_throttle_cache")


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [migrations.RunPython(create_cache_tables, drop_throttle_table, elidable=False)]
