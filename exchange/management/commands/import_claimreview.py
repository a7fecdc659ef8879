import json
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from exchange import claimreview_import
from exchange.claimreview_import import reviews_in


class Command(BaseCommand):
    help = "Import ClaimReview JSON-LD or Fact Check Tools claims:search JSON as claims, evidence and proposals."

    def add_arguments(self, parser):
        parser.add_argument("path", help="A JSON file, or - for standard input.")
        parser.add_argument("--as", dest="username", help="The desk member the verdicts are proposed as.")

    def handle(self, *args, path, username, **options):
        try:
            raw = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()  # noqa: SIM115
            data = json.loads(raw.decode("utf-8"))
            reviews = reviews_in(data)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        except (UnicodeDecodeError, ValueError) as exc:
            raise CommandError(f"{path} is not ClaimReview or claims:search JSON: {exc}") from exc
        user = None
        if username:
            user = get_user_model().objects.filter(username=username, is_staff=True).first()
            if user is None:
                raise CommandError(f"--as: no desk member {username!r}.")
        report = claimreview_import.import_claim_reviews(reviews=reviews, user=user)
        self.stdout.write(
            f"{len(reviews)} review(s): {report['claims']} new claim(s), {report['evidence']} evidence item(s), "
            f"{report['verdicts']} verdict(s) proposed."
        )
        for rating in report["unmapped"]:
            self.stdout.write(f"Unmapped rating, waiting in the admin's rating map: {rating}")
        for line in report["skipped"] + report["refused"]:
            self.stdout.write(f"Not imported: {line}")
