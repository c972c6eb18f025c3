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

Where a second core is free, a forked process lays out and writes the front matter while this
one writes the text (about a second less for a 70-page Fachstandard); `pdfjoin` then makes the
two PDFs one, with the same pages, bookmarks, links and structure tree as the one-piece write.
If that process fails, this one lays the front matter out itself.

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
import os
import pickle
import re
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs.external import limits
from lafast_docs.render import hyphenation, pdfsplit
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
PDF_SCALE = 0.75  # WeasyPrint's PDF points per CSS pixel (write_pdf's zoom 1)


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

    @property
    def css(self) -> str:
        """The page's own stylesheet (its `<style>` blocks)."""
        return "".join(m[2] for m in _STYLE.finditer(self.head))

    def head_with_total(self, total: int) -> str:
        """The page head with the total page count written into the stylesheet."""
        return _STYLE.sub(lambda m: m[1] + _PAGES.sub(f'"{total}"', m[2]) + m[3], self.head)

    def text_page(self, front_pages: int) -> str:
        """The text behind `front_pages` empty pages (they are dropped again)."""
        return self.head + pdfsplit.EMPTY_PAGE * front_pages + self.text

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
Write = Callable[[Any], bytes]  # a laid-out Document -> its PDF


@dataclass(frozen=True)
class Pieces:
    """Parts of one PDF in page order (the front matter first), written at the same time by
    several processes; `pdfjoin` makes them one."""

    pdfs: list[bytes]
    stand_ins: list[list[str]]  # per part: names given to a page only so links are kept
    outline: list[Any]  # WeasyPrint's bookmark tree of the whole document


Logs = pdfsplit.Logs


def lay_out(
    parts: Split,
    layout: Layout,
    known: int | None,
    write: Write,
    logs: Logs | None = None,
) -> tuple[bytes | Pieces, int] | None:
    """The PDF (front pages, then text pages) and the number of front pages; None if the front
    matter does not settle (then the page is laid out in one piece). `known`: the kept number
    of front pages, if any. With `logs` (the refused addresses and WeasyPrint's errors, which
    other processes add to), the work is shared with forked processes: the text in two halves
    where a checked seam is known (pdfsplit), the front matter beside the text's writing."""
    n = known if known is not None else len(layout(parts.front_page(None, None)).pages)
    blocks = pdfsplit.cut(parts.text, parts.css)
    halves = None
    if logs is not None and blocks is not None:
        halves = _halves(parts, blocks, n, layout, write, logs)
    if halves is not None:
        return halves, n
    for _ in range(3):
        text = layout(parts.text_page(n))
        if blocks is not None and logs is not None:
            pdfsplit.keep(parts.head, pdfsplit.choose(text, n, blocks))
        front_page = parts.front_page(pdfsplit.page_numbers(text.pages[n:], n), len(text.pages))
        beside = None
        if logs is not None:
            beside = _beside(
                front_page, text.pages[n:], n, layout, write, logs, _writer(text, n, write)
            )
        if isinstance(beside, Pieces):
            return beside, n
        front = layout(front_page) if beside is None else None
        if front is not None and len(front.pages) == n:
            return write(front.copy(front.pages + text.pages[n:])), n
        n = beside if isinstance(beside, int) else len(front.pages)  # type: ignore[union-attr]
    return None


def _writer(text: Any, n: int, write: Write) -> Callable[[], tuple[list[bytes], list[list[str]]]]:
    return lambda: ([write(text.copy(text.pages[n:]))], [[]])


def _halves(
    parts: Split, blocks: pdfsplit.Cut, n: int, layout: Layout, write: Write, logs: Logs
) -> Pieces | None:
    """The text in two halves at the kept seam, the front matter beside; None where no checked
    seam is known (or a process failed): then the text is laid out in one piece."""
    seam = pdfsplit.kept(parts.head)
    if seam is None or not seam.block < len(blocks.starts) or seam.page <= n:
        return None
    head = parts.head_with_total(seam.total)
    lead = pdfsplit.EMPTY_PAGE * n
    marks = pdfsplit.log_marks(logs)  # dropped again with the halves' work
    known = pdfsplit.anchors_in(parts.front + parts.text)
    second = pdfsplit.start_second(
        pdfsplit.second_half(head, parts.text, blocks, seam), seam, layout, write, logs, known
    )
    try:
        first = layout(pdfsplit.first_half(head, lead, parts.text, blocks, seam))
        told = second.header()
        holds = (
            len(first.pages) > seam.page + 1
            and pdfsplit.begins_page(first, seam.page)
            and pdfsplit.notes_before(first, n, seam.page) == blocks.notes[seam.block]
        )
        if not holds or told is None or told[0] != seam.total:
            second.stop(kill=True)
            count = pdfsplit.first_stop(blocks, seam)
            # the text before the seam changed: a seam from the first half's own pages
            found = None if holds else pdfsplit.salvage(first, n, blocks, count, seam.total)
            if found is not None:
                seam = found
                pdfsplit.keep(parts.head, seam)
                page = pdfsplit.second_half(head, parts.text, blocks, seam)
                second = pdfsplit.start_second(page, seam, layout, write, logs, known)
                told = second.header()
            if found is None or told is None or told[0] != seam.total:
                second.stop(kill=True)
                for log, mark in zip(logs, marks, strict=True):
                    del log[mark:]  # the one-piece layout will say it again
                return None
        assert told is not None
        first_pages = first.pages[n : seam.page]
        total, numbers, shadows, news = told
        pdfsplit.add(logs, news)
        pages = [*first_pages, *shadows]
        front_page = parts.front_page({**numbers, **pdfsplit.page_numbers(first_pages, n)}, total)

        def texts() -> tuple[list[bytes], list[list[str]]] | None:
            mine = pdfsplit.stand_in(first_pages, known)
            own = write(first.copy(first_pages))
            theirs = second.pdf()
            if theirs is None:
                return None
            pdf, names, added = theirs
            pdfsplit.add(logs, added)
            return [own, pdf], [mine, names]

        beside = _beside(front_page, pages, n, layout, write, logs, texts)
        second.stop(kill=not isinstance(beside, Pieces))
        return beside if isinstance(beside, Pieces) else None
    except BaseException:
        second.stop(kill=True)
        raise


def _beside(
    front_page: str,
    pages: list[Any],
    n: int,
    layout: Layout,
    write: Write,
    logs: Logs,
    texts: Callable[[], tuple[list[bytes], list[list[str]]] | None],
) -> Pieces | int | None:
    """The front matter laid out and written by a forked process while this one writes the
    text (`texts()`: its PDFs and their stand-in names): the parts, or the number of front
    pages if it is not `n` (the text must be laid out again), or None if that process failed
    (then this one lays the front out itself, or, if `texts()` gave None, the text in one
    piece). `pages`: the text's pages, for the outline."""
    marks = pdfsplit.log_marks(logs)

    def job() -> bytes:  # pragma: no cover - runs in the forked process
        signal.alarm(max(1, int(limits.timeout())))  # never outlives a killed parent for long
        front = layout(front_page)
        if len(front.pages) != n:
            return pickle.dumps((len(front.pages), None, None, None, pdfsplit.since(logs, marks)))
        outline = front.copy(front.pages + pages).make_bookmark_tree(
            PDF_SCALE, transform_pages=True
        )
        known = {name for page in pages for name in page.anchors}
        names = pdfsplit.stand_in(front.pages, known)  # the contents link to the text
        pdf = write(front)
        return pickle.dumps((n, pdf, names, outline, pdfsplit.since(logs, marks)))

    read_fd, pid = limits.fork_to_pipe(job)
    try:
        written = texts()
        data = limits.read_all(read_fd)
    finally:
        os.close(read_fd)
        os.waitpid(pid, 0)
    if written is None:
        return None
    pdfs, stand_ins = written
    try:
        count, front_pdf, names, outline, added = pickle.loads(data)
    except Exception:  # the process died (e.g. out of memory): lay the front out here
        return None
    pdfsplit.add(logs, added)
    if front_pdf is None:
        return int(count)
    return Pieces([front_pdf, *pdfs], [names, *stand_ins], outline)


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
