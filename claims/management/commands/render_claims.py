import time

from django.core.management.base import BaseCommand, CommandError

from claims import bulk_rendering


class Command(BaseCommand):
    help = (
        "Render every claim's public representation again and store it (the newsroom API serves the "
        "stored renderings). Run it after upgrading to code that renders claims differently, or after "
        "changing claims with raw SQL; reads also render any rendering older than its claim."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=5_000, help="Claim ids per transaction.")

    def handle(self, *args, batch, **options):
        if batch < 1:
            raise CommandError("--batch must be at least 1.")
        started = time.monotonic()

        def progress(done, total):
            self.stderr.write(f"[{time.monotonic() - started:7.1f}s] {done:,} of {total:,} claims rendered")

        done = bulk_rendering.store_all(batch=batch, progress=progress)
        elapsed = time.monotonic() - started
        rate = f", {done / elapsed:,.0f} claims/s" if elapsed and done else ""
        self.stdout.write(self.style.SUCCESS(f"Rendered and stored {done:,} claims in {elapsed:.1f}s{rate}."))
