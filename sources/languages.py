"""Language tags (BCP 47) as documents and claims carry them."""

import re

from django.core.validators import RegexValidator

# A primary language subtag, then optional script/region/variant subtags: en, ar, pt-BR, zh-Hant-TW.
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*\Z")

validate_language_tag = RegexValidator(
    LANGUAGE_TAG, "Give a BCP 47 language tag such as en, ar or pt-BR.", code="invalid_language"
)


def normalise_language_tag(tag: str) -> str:
    """The tag in its usual case: language lower, script title, region upper (pt-br -> pt-BR)."""
    parts = tag.strip().replace("_", "-").split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit()):
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)
