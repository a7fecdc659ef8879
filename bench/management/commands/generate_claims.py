import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from bench.synthetic import Generator, Plan


class Command(BaseCommand):
    help = (
        "Add N synthetic claims, with speakers, outlets, documents, figures, chains, evidence and "
        "verdicts, on top of what is there. Deterministic for a given seed. For benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--claims", type=int, required=True, help="How many claims to add.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed; the same seed gives the same data.")
        parser.add_argument("--batch", type=int, default=10_000, help="Claims written per batch.")

    def handle(self, *args, claims, seed, batch, **options):
        if claims < 1 or batch < 1:
            raise CommandError("--claims and --batch must be at least 1.")
        started = time.monotonic()

        def progress(message):
            elapsed = time.monotonic() - started
            self.stdout.write(f"[{elapsed:7.1f}s] {message}")
            self.stdout.flush()

        with transaction.atomic():
            counts = Generator(Plan(claims), seed=seed, batch=batch, progress=progress).run()
        elapsed = time.monotonic() - started
        rows = sum(counts.values())
        for label, count in sorted(counts.items()):
            self.stdout.write(f"  {label}: {count:,}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {claims:,} claims ({rows:,} rows) in {elapsed:.1f}s: "
                f"{claims / elapsed:,.0f} claims/s, {rows / elapsed:,.0f} rows/s."
            )
        )
