import os
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from exchange import backup


class Command(BaseCommand):
    help = (
        "Write everything the tracker holds, with its history, as JSON Lines: a header line, then one line per "
        "row. Restore it with import_all. Sessions, failed-login records and the task queue are left out "
        "(claims/backup.py says why)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            default="-",
            metavar="FILE",
            help="Where to write: a file (gzip-compressed if the name ends in .gz), or - for standard output "
            "(the default). A file appears only once the backup is complete.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database to back up.")

    def handle(self, *args, output, database, **options):
        started = time.monotonic()

        def progress(message):
            self.stderr.write(f"[{time.monotonic() - started:7.1f}s] {message}")

        try:
            if output == "-":
                counts = backup.export(self.stdout, using=database, progress=progress)
                where = "standard output"
            else:
                counts = self._export_to_file(output, database, progress)
                where = f"{output} ({os.path.getsize(output):,} bytes)"
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(
            f"Exported {sum(counts.values()):,} rows of {sum(1 for n in counts.values() if n)} models to {where} "
            f"in {time.monotonic() - started:.1f}s."
        )

    def _export_to_file(self, output, database, progress):
        partial = f"{output}.partial"
        try:
            with backup.open_text(partial, "w", gzipped=output.endswith(".gz")) as stream:
                counts = backup.export(stream, using=database, progress=progress)
            os.replace(partial, output)
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror or exc}.") from exc
        finally:
            if os.path.exists(partial):
                os.remove(partial)
        return counts
