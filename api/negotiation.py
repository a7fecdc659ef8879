"""How the API picks the format of an answer."""

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation


class NamedFormats(DefaultContentNegotiation):
    """`?format=` naming no format the endpoint speaks is a 406 that lists the ones it does. A
    path whose suffix is no format (`/claims/0.5/`) stays a 404: it names nothing here."""

    def select_renderer(self, request, renderers, format_suffix=None):
        self.from_suffix = format_suffix is not None
        return super().select_renderer(request, renderers, format_suffix)

    def filter_renderers(self, renderers, format):
        matching = [renderer for renderer in renderers if renderer.format == format]
        if not matching and not getattr(self, "from_suffix", False):
            formats = ", ".join(sorted({renderer.format for renderer in renderers}))
            raise NotAcceptable(f"Unknown format {format!r}: this endpoint answers in {formats}.")
        return super().filter_renderers(renderers, format)
