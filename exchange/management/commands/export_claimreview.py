import json
import sys

from django.core.management.base import BaseCommand

from claims.rendering import claims_for_rendering
from exchange.claimreview import claim_review


class Command(BaseCommand):
    help = "Write every published verdict as schema.org ClaimReview, in one JSON-LD file."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="-", help="Where to write; - (the default) for standard output.")

    def handle(self, *args, path, **options):
        reviews, count = [], 0
        claims = claims_for_rendering().filter(verdicts__published_at__isnull=False).distinct().order_by("pk")
        for claim in claims.iterator(chunk_size=500):
            reviews.append(claim_review(claim))
            count += 1
            if count % 1000 == 0:
                self.stderr.write(f"{count} reviews…")
        document = {"@context": "https://schema.org", "@graph": reviews}
        text = json.dumps(document, ensure_ascii=False, indent=2)
        if path == "-":
            sys.stdout.write(text + "\n")
        else:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            self.stderr.write(f"Wrote {count} ClaimReview(s) to {path}.")
