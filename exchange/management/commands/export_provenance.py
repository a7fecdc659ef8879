import json
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from claims.rendering import claims_for_rendering
from exchange.provenance import provenance


class Command(BaseCommand):
    help = (
        "Write every claim's provenance (W3C PROV-O in JSON-LD, as GET /api/v1/claims/{id}/provenance/ "
        "answers) as JSON Lines: one document per claim, streamed in id order."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="-", help="Where to write; - (the default) for standard output.")
        parser.add_argument(
            "--base-url",
            default=None,
            help="The site the node ids point at, as newsrooms reach the API (default: SITE_URL).",
        )

    def handle(self, *args, path, base_url, **options):
        base_url = base_url or settings.SITE_URL
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CommandError("--base-url must be an http(s) URL such as https://desk.example")
        base = base_url.rstrip("/") + "/"

        def absolute(location: str) -> str:
            return urljoin(base, location.lstrip("/"))

        out = self.stdout if path == "-" else open(path, "w", encoding="utf-8")  # noqa: SIM115
        count = 0
        try:
            for claim in claims_for_rendering().order_by("pk").iterator(chunk_size=500):
                line = json.dumps(provenance(claim, absolute), ensure_ascii=False, separators=(",", ":"))
                if out is self.stdout:
                    out.write(line)  # the wrapper ends each write with a newline
                else:
                    out.write(line + "\n")
                count += 1
                if count % 1000 == 0:
                    self.stderr.write(f"{count:,} claims…")
        finally:
            if out is not self.stdout:
                out.close()
        self.stderr.write(f"Wrote the provenance of {count:,} claims" + ("." if path == "-" else f" to {path}."))
