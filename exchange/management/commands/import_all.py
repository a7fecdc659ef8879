import io
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from exchange import backup


class Command(BaseCommand):
    help = (
        "Restore a backup written by export_all into an empty database migrated to the backup's migrations, "
        "in one transaction: all of it or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="The backup (read gzip-compressed if the name ends in .gz), or - for standard input."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The empty database to restore into.")

    def handle(self, *args, file, database, **options):
        started = time.monotonic()

        def progress(message):
            self.stderr.write(f"[{time.monotonic() - started:7.1f}s] {message}")

        try:
            stream = (
                io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8") if file == "-" else backup.open_text(file, "r")
            )
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror or exc}.") from exc
        try:
            counts = backup.restore(stream, using=database, progress=progress)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        except (OSError, EOFError, UnicodeDecodeError) as exc:  # a damaged or truncated .gz, say
            raise CommandError(f"Cannot read {file}: {exc}. Nothing was restored.") from exc
        finally:
            if file != "-":
                stream.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {sum(counts.values()):,} rows of {len(counts)} models in {time.monotonic() - started:.1f}s."
            )
        )
