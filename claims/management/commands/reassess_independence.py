from django.core.management.base import BaseCommand

from claims import services


class Command(BaseCommand):
    help = (
        "Rejudge the independence of every evidence item under the rules as they stand now, and list "
        "the published confirmed or disputed verdicts that no longer stand. Those claims go back in the "
        "review queue with the reason; no published verdict is changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="Evidence items per transaction.")

    def handle(self, *args, batch_size, **options):
        def progress(done, total):
            self.stderr.write(f"{done:,} of {total:,} evidence items rejudged")

        flagged = services.reassess_independence(batch_size=batch_size, progress=progress)
        for item in flagged:
            claim = item["claim"]
            self.stdout.write(f"claim {claim.pk} ({item['status']}): {claim}\n    {item['reason']}")
        if flagged:
            self.stdout.write(
                f"{len(flagged)} published verdict(s) no longer stand; their claims are back in the review queue "
                "(admin: Claims, filter “verdict no longer stands”)."
            )
        else:
            self.stdout.write("Every published confirmed or disputed verdict still stands.")
