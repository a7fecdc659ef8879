"""The one spelling of a document's text that is hashed, stored and given offsets into."""

import unicodedata


def normalised_text(text: str) -> str:
    """Line endings as "\\n" and Unicode in NFC, so the same article pasted in the admin, read
    from a file by a command or sent through the API is the same text, hash and candidates.

    NUL is left for the caller to refuse (claims.services.writes.refuse_nul): dropping it here
    would store a text the sender never wrote."""
    if not text:
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)
