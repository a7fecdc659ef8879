"""unaccent(), for finding sources by name whatever the accents (SourceQuerySet.named_like).
A no-op on databases other than PostgreSQL."""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sources", "0003_document_outlet_latest")]
    operations = [UnaccentExtension()]
