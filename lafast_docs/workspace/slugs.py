"""Short names (slugs) for drafts, organisations and heading ids: lower-case ASCII."""

from __future__ import annotations

import re
import unicodedata

from lafast_docs.errors import SlugError

_GERMAN = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue", "ẞ": "ss"}
)
SLUG_RE = re.compile(r"\A[a-z0-9]+(?:-[a-z0-9]+)*\Z")  # whole string: "x\n" is refused
MAX_LEN = 80


def slugify(text: str, *, max_len: int = MAX_LEN) -> str:
    """`Mindeststandards Ü` -> `mindeststandards-ue`. May return '' for text without letters."""
    text = text.translate(_GERMAN)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(text) > max_len:
        text = text[:max_len].rsplit("-", 1)[0] or text[:max_len]
    return text


def check_slug(value: str, *, what: str = "Kurzbezeichnung") -> str:
    """Return `value` if it is a valid slug, else raise SlugError with a suggestion."""
    if SLUG_RE.match(value) and len(value) <= MAX_LEN:
        return value
    suggestion = slugify(value)
    hint = (
        f"Verwenden Sie zum Beispiel „{suggestion}“."
        if suggestion
        else "Verwenden Sie Kleinbuchstaben a–z, Ziffern und Bindestriche, z. B. „awo-sachsen“."
    )
    raise SlugError(
        f"Ungültige {what} „{value}“: erlaubt sind nur Kleinbuchstaben a–z, Ziffern und "
        f"einzelne Bindestriche (höchstens {MAX_LEN} Zeichen).",
        hint=hint,
    )
