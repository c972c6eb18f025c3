"""The front matter (title page and table of contents) laid out after the text, not around it.

With the table of contents in the same document, WeasyPrint lays out every page holding a
`target-counter()` three times (once with the numbers unknown, then until they settle) and
checks every anchor of the text against every pending lookup: for a 70-page Fachstandard, a
quarter of the whole layout went into four pages of contents.

Here the print page is cut in two where the text begins (`<main class="text">`, the first one:
everything before it comes from the template with escaped values, so a draft cannot move the
cut):
- the text part is laid out once, behind as many empty pages as the front matter has, so page
  numbers and "Seite n von N" come out as before;
- the page of every heading is read from that layout, written into the contents as plain
  numbers (`data-seite`, shown by `attr()` where the stylesheet asked for `target-counter()`),
  and the front matter is laid out once;
- WeasyPrint writes the front pages and the text pages as one PDF (`Document.copy`, its own
  documented way to combine documents): one structure tree, links and bookmarks resolved
  across both.

The number of front pages is kept per front matter (a hash of it) in the user's cache folder,
so it is known before the text is laid out; without it, the front matter is laid out once more
first. A kept number is only a guess: if the front matter comes out longer or shorter, the text
is laid out again behind the right number of pages, so the PDF is never wrong. Pages whose
stylesheet uses other target functions, or a template without this structure, are laid out in
one piece as before.
"""

from __future__ import annotations

import hashlib
import html as htmllib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs.render import hyphenation
from lafast_docs.storage.files import keep_file

TEXT_START = '<main class="text">'
_TOC_START = '<nav class="inhalt"'
_TARGET = "target-counter(attr(href url), page)"
_OTHER_TARGETS = re.compile(r"target-(?:counters?|text)\(")
_TOC_LINK = re.compile(r'<a href="#([^"]*)">')
_PAGES = re.compile(r"\bcounter\(\s*pages\s*\)")
_STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.S | re.I)
_PLACEHOLDER = "00"  # digits are equally wide in the office fonts
MAX_FRONT_PAGES = 60


@dataclass(frozen=True)
class Split:
    head: str  # up to and including <body>
    front: str  # title block and contents, without the page numbers
    text: str  # from <main class="text"> to the end

    def front_page(self, numbers: dict[str, int] | None, total: int | None) -> str:
        """The front matter as a page of its own: every contents entry with its page number
        (a placeholder while unknown) and the total page count written in."""

        def entry(m: re.Match[str]) -> str:
            page = _PLACEHOLDER if numbers is None else numbers.get(htmllib.unescape(m[1]), "")
            return f'<a href="#{m[1]}" data-seite="{page}">'

        def style(m: re.Match[str]) -> str:
            css = m[2].replace(_TARGET, "attr(data-seite)")
            css = _PAGES.sub(f'"{total}"', css) if total is not None else css
            return m[1] + css + m[3]

        return _STYLE.sub(style, self.head) + _TOC_LINK.sub(entry, self.front) + "</body></html>"

    def text_page(self, front_pages: int) -> str:
        """The text behind `front_pages` empty pages (they are dropped again)."""
        return self.head + '<div style="break-after: page"></div>' * front_pages + self.text

    def key(self) -> str:
        return hashlib.sha256((self.head + self.front).encode("utf-8")).hexdigest()


def split(page: str) -> Split | None:
    """The print page cut where the text begins, or None where it cannot be (no contents,
    other target functions, a template of another structure)."""
    start = page.find(TEXT_START)
    body = page.find("<body>")
    if start < 0 or body < 0 or body > start:
        return None
    head, front, text = page[: body + 6], page[body + 6 : start], page[start:]
    css = "".join(m[2] for m in _STYLE.finditer(head))  # not the title or other metadata
    if _TOC_START not in front or _TARGET not in css or "<link" in head.lower():
        return None
    if _OTHER_TARGETS.search(css.replace(_TARGET, "")):
        return None
    return Split(head, front, text)


Layout = Callable[[str], Any]  # an HTML page -> WeasyPrint's laid-out Document


def lay_out(parts: Split, layout: Layout, known: int | None) -> tuple[Any, int] | None:
    """The combined WeasyPrint document (front pages, then text pages) and the number of front
    pages; None if the front matter does not settle (then the page is laid out in one piece).
    `known`: the kept number of front pages, if any."""
    n = known if known is not None else len(layout(parts.front_page(None, None)).pages)
    for _ in range(3):
        text = layout(parts.text_page(n))
        numbers: dict[str, int] = {}
        for number, page in enumerate(text.pages[n:], start=n + 1):
            for anchor in page.anchors:
                numbers.setdefault(anchor, number)
        front = layout(parts.front_page(numbers, len(text.pages)))
        if len(front.pages) == n:
            return front.copy(front.pages + text.pages[n:]), n
        n = len(front.pages)  # the contents came out longer or shorter: lay the text out again
    return None


def _kept(key: str) -> Path:
    return hyphenation.cache_dir() / "vorspann" / key


def known_pages(parts: Split) -> int | None:
    """The number of front pages kept from an earlier render of the same front matter."""
    try:
        value = int(_kept(parts.key()).read_text("ascii").strip())
    except (OSError, ValueError):
        return None
    return value if 0 < value <= MAX_FRONT_PAGES else None


KEEP_AT_MOST = 200  # front matters remembered (a new commit id on the title page is a new one)


def keep_pages(parts: Split, pages: int) -> None:
    """Remember the number of front pages (no folder to write to: nothing kept); beyond
    `KEEP_AT_MOST` kept counts, the oldest half goes."""
    target = _kept(parts.key())
    if not keep_file(target, str(pages)):
        return
    try:
        kept = sorted(target.parent.iterdir(), key=lambda f: f.stat().st_mtime)
        for old in kept[: len(kept) - KEEP_AT_MOST // 2] if len(kept) > KEEP_AT_MOST else []:
            old.unlink(missing_ok=True)
    except OSError:
        pass
