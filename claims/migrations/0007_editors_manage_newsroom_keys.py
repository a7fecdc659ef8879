from django.db import migrations

from claims.roles import sync_desk_groups


def update_desk_groups(apps, schema_editor):
    sync_desk_groups(apps)


class Migration(migrations.Migration):
    dependencies = [("claims", "0006_rating_map_permissions")]

    operations = [migrations.RunPython(update_desk_groups, migrations.RunPython.noop)]
