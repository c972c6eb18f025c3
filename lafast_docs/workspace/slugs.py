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


DRAFT_SLUG_LEN = 48  # a slug made from a title: forms add "-runde-1-<org>.docx" to it
# words a slug should not end on after it was cut
_DANGLING = frozenset(
    {
        "der",
        "die",
        "das",
        "des",
        "dem",
        "den",
        "ein",
        "eine",
        "einer",
        "eines",
        "zu",
        "zum",
        "zur",
        "und",
        "oder",
        "fuer",
        "von",
        "vom",
        "im",
        "in",
        "an",
        "am",
        "auf",
        "mit",
        "ueber",
    }
)


def draft_slug(title: str) -> str:
    """A readable short name from a title, cut at a word boundary to DRAFT_SLUG_LEN characters
    and never ending on an article or preposition: `'Stellungnahme zum Entwurf des Gesetzes zur
    Änderung des …'` -> `stellungnahme-zum-entwurf-des-gesetzes`."""
    slug = slugify(title, max_len=DRAFT_SLUG_LEN)
    if len(slugify(title, max_len=10_000)) > len(slug):
        words = slug.split("-")
        while len(words) > 1 and words[-1] in _DANGLING:
            words.pop()
        slug = "-".join(words)
    return slug


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
