"""Invisible characters in text from outside the office: bidi controls and zero-width
characters make text display differently from what it is ("1:80" that is not "1:80" for a
search, a screen reader or copy-paste; a file name that reads backwards). They are removed
before anything from outside is stored, and never written into a draft."""

from __future__ import annotations

import re

# U+061C Arabic letter mark, U+180E Mongolian vowel separator, U+200B–U+200F zero-width
# space/non-joiner/joiner and LRM/RLM, U+202A–U+202E bidi embeddings and overrides,
# U+2060–U+2064 word joiner and invisible operators, U+2066–U+2069 bidi isolates, U+FEFF BOM
INVISIBLE = re.compile("[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def strip_invisible(text: str) -> tuple[str, int]:
    """`text` without invisible characters, and how many were removed."""
    return INVISIBLE.subn("", text)


def visible(text: str) -> str:
    """`text` without invisible characters."""
    return INVISIBLE.sub("", text)
