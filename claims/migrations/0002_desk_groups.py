from django.db import migrations

from claims.roles import sync_desk_groups


def create_desk_groups(apps, schema_editor):
    sync_desk_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sources", "0001_initial"),
        ("claims", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_desk_groups, migrations.RunPython.noop)]
