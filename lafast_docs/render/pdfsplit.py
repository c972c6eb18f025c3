"""The text of a PDF laid out in two halves by two processes, so one document uses both cores.

WeasyPrint lays out page after page; one layout cannot use a second core. But most pages of a
Fachstandard begin with a new block (a paragraph, heading, list or table directly in
`<main class="text">`), and such a page is laid out the same whatever came before it, given
its page number, the footnote counter and the total page count ("Seite n von N"). So the text
is cut before such a block, the seam:

- the second half is laid out by a forked process, behind as many empty pages as come before
  the seam, with the footnote counter set to the notes before it, its first block's top margin
  dropped as at any page break that was not forced, and the total page count written in;
- this process lays out the first half, with a page of text beyond the seam, and checks that
  the seam block really begins the page it was expected on, that every footnote before it sits
  on an earlier page, and that the second half has the expected total of pages.

The seam is taken from the previous render of the same document (kept in the user's cache under
a hash of the page head, so an edit or a commit keeps it): it is a guess, and only a checked one
is used. When a check fails, the second half's work is dropped and the text is laid out in one
piece as before; that layout gives the seam for the next render. Each half is written as a PDF
of its own and `pdfjoin` makes them one.
"""

from __future__ import annotations

import contextlib
import hashlib
import html as htmllib
import json
import os
import pickle
import re
import signal
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from lafast_docs.external import limits
from lafast_docs.render import hyphenation
from lafast_docs.storage.files import keep_file

MARK = "data-lafast-naht"
LOOKAHEAD = 8000  # characters of HTML laid out beyond the seam (about two pages)
MIN_PAGES = 12  # shorter texts are laid out in one piece
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


EMPTY_PAGE = '<div style="break-after: page"></div>'  # one page before the text, dropped again
Logs = tuple[list[str], list[str]]  # refused addresses, WeasyPrint's errors


def log_marks(logs: Logs) -> list[int]:
    """Where the logs end now (another process adds to its copies of them)."""
    return [len(log) for log in logs]


def since(logs: Logs, marks: list[int]) -> list[list[str]]:
    """What was added to the logs after `marks`."""
    return [log[mark:] for log, mark in zip(logs, marks, strict=True)]


def add(logs: Logs, news: list[list[str]]) -> None:
    """Another process's entries (`since` there) added here."""
    for log, new in zip(logs, news, strict=True):
        log.extend(new)


@dataclass(frozen=True)
class Seam:
    block: int  # index of the top-level block of the text that begins a page
    page: int  # index of that page in the whole PDF (front pages counted)
    total: int  # pages of the whole PDF


@dataclass
class Cut:
    """Where the top-level blocks of `<main class="text">` begin in the text part."""

    starts: list[int]  # offsets of the blocks' start tags
    end: int  # offset of `</main>`
    notes: list[int] = field(default_factory=list)  # footnotes before each block


class _Blocks(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.depth = 0
        self.cut = Cut([], -1)
        self.notes = 0
        self.lines = [0]
        for line in text.splitlines(keepends=True):
            self.lines.append(self.lines[-1] + len(line))

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.lines[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth == 1 and self.cut.end < 0:
            self.cut.starts.append(self._offset())
            self.cut.notes.append(self.notes)
        if ("class", "footnote") in attrs:
            self.notes += 1
        if tag not in _VOID:
            self.depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth == 1 and self.cut.end < 0:
            self.cut.starts.append(self._offset())
            self.cut.notes.append(self.notes)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        self.depth -= 1
        if self.depth == 0 and self.cut.end < 0:
            self.cut.end = self._offset()


_CARRIED = re.compile(
    r"string-set|running\(|element\(|counter-(?:increment|reset)"
    r"|(?<![-\w])counters?\(\s*+(?!(?:page|pages|footnote)\s*\))"  # not target-counter()
)
_SIBLINGS = re.compile(
    r":(?:first-child|last-child|only-child|nth-|first-of-type|last-of-type|only-of-type)|[+~]"
)
_SAFE = ("li > p:only-child", "thead tr:first-child")  # within a block: the built-in look


def splittable(css: str) -> bool:
    """Whether nothing in the stylesheet carries over from page to page but what the halves
    set (page number, total, footnote counter): no running strings or elements, no counters
    of its own, no selector looking at a block's siblings (its place among them changes)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    if _CARRIED.search(css):
        return False
    for rule in re.finditer(r"([^{};]*)\{", css):
        selector = rule[1]
        for safe in _SAFE:
            selector = selector.replace(safe, "")
        if _SIBLINGS.search(selector):
            return False
    return True


def cut(text: str, css: str) -> Cut | None:
    """The blocks of the text part (which begins with `<main class="text">`), or None if its
    markup is not the plain nesting pandoc writes or its stylesheet not `splittable`."""
    if not splittable(css):
        return None
    parser = _Blocks(text)
    try:
        parser.feed(text)
        parser.close()
    except Exception:
        return None
    found = parser.cut
    if found.end < 0 or len(found.starts) < 4 or text[found.end :].find("</main>") != 0:
        return None
    return found


def openers(doc: Any, first: int) -> dict[int, Any]:
    """Page index -> the element of the text block that begins on that page (not a block
    continued from the page before), for the pages from `first` on."""
    found: dict[int, Any] = {}
    seen: set[int] = set()
    for number, page in enumerate(doc.pages):
        main = _main_box(page._page_box)
        if main is None:
            continue
        blocks = [c.element for c in main.children if _is_block_of(c, main)]
        if blocks and number >= first and id(blocks[0]) not in seen:
            found[number] = blocks[0]
        seen.update(id(element) for element in blocks)
    return found


def beginnings(doc: Any, first: int) -> dict[int, int]:
    """`openers` as indexes of the text's blocks."""
    index = {id(element): i for i, element in enumerate(_main_children(doc))}
    found = openers(doc, first).items()
    return {page: index[id(element)] for page, element in found if id(element) in index}


def _main_box(box: Any) -> Any:
    for child in getattr(box, "children", ()):
        if getattr(child, "element_tag", None) == "main":
            return child
        if getattr(child, "element_tag", None) in ("html", "body"):
            found = _main_box(child)
            if found is not None:
                return found
    return None


def notes_before(doc: Any, first: int, last: int) -> int:
    """Footnotes placed on the pages `first` to `last - 1`."""
    count = 0
    for page in doc.pages[first:last]:
        for child in page._page_box.children:
            if type(child).__name__ == "FootnoteAreaBox":
                count += len(child.children)
    return count


def choose(doc: Any, front: int, blocks: Cut) -> Seam | None:
    """The seam for the next render: of the pages that begin with a block, the one nearest the
    middle of the text (None for a short text)."""
    pages = len(doc.pages)
    if pages - front < MIN_PAGES:
        return None
    if len(_main_children(doc)) != len(blocks.starts):  # html.parser and WeasyPrint disagree
        return None
    starts = beginnings(doc, front + 2)
    middle = (front + pages) / 2
    candidates = [(abs(p - middle), p, b) for p, b in starts.items() if 0 < b < len(blocks.starts)]
    if not candidates:
        return None
    _, page, block = min(candidates)
    return Seam(block, page, pages)


def salvage(doc: Any, front: int, blocks: Cut, count: int, total: int) -> Seam | None:
    """After a kept seam that did not hold (the text before it changed): a seam the first
    half's own layout shows, for the same total of pages. `count`: the blocks it laid out.
    The latest page that begins with a block and has a full page laid out after it."""
    if len(_main_children(doc)) != count:
        return None
    last = len(doc.pages) - 2
    usable = [(p, b) for p, b in beginnings(doc, front + 2).items() if p <= last and b > 0]
    for page, block in sorted(usable, reverse=True):
        if notes_before(doc, front, page) == blocks.notes[block]:
            return Seam(block, page, total)
    return None


def _main_children(doc: Any) -> list[Any]:
    for page in doc.pages:
        main = _main_box(page._page_box)
        if main is not None:
            return _elements(main.element)
    return []


def _elements(element: Any) -> list[Any]:
    """The child elements (not comments) of an element of WeasyPrint's tree."""
    return [child for child in element if isinstance(child.tag, str)]


def kept_path(head: str) -> Path:
    key = hashlib.sha256(head.encode("utf-8")).hexdigest()
    return hyphenation.cache_dir() / "naht" / key


def kept(head: str) -> Seam | None:
    """The seam of the previous render of a document with this page head."""
    try:
        data = json.loads(kept_path(head).read_text("ascii"))
        seam = Seam(int(data["block"]), int(data["page"]), int(data["total"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return seam if seam.block > 0 and 0 < seam.page < seam.total <= 100_000 else None


def keep(head: str, seam: Seam | None) -> None:
    if seam is not None:
        keep_file(kept_path(head), json.dumps(seam.__dict__))


def first_stop(blocks: Cut, seam: Seam) -> int:
    """The number of blocks the first half lays out: up to the seam and about two pages more."""
    until = blocks.starts[seam.block] + LOOKAHEAD
    later = range(seam.block + 1, len(blocks.starts))
    return next((i for i in later if blocks.starts[i] >= until), len(blocks.starts))


def first_half(head: str, lead: str, text: str, blocks: Cut, seam: Seam) -> str:
    """The text up to the seam and about two pages beyond (for the checks), the seam block
    marked (`MARK`, an attribute nothing styles)."""
    at = blocks.starts[seam.block]
    count = first_stop(blocks, seam)
    stop = blocks.starts[count] if count < len(blocks.starts) else blocks.end
    name = re.match(r"<[A-Za-z][A-Za-z0-9]*", text[at:])
    if name is None:
        raise ValueError("no start tag at the seam")
    tag = at + name.end()
    return head + lead + text[:tag] + f" {MARK}" + text[tag:stop] + "</main></body></html>"


def begins_page(doc: Any, page: int) -> bool:
    """Whether the marked seam block begins the page `page` of the first half's layout."""
    element = openers(doc, page).get(page)
    return element is not None and element.get(MARK) is not None


def _is_block_of(box: Any, main: Any) -> bool:
    element = getattr(box, "element", None)
    return element is not None and element is not main.element


def second_half(head: str, text: str, blocks: Cut, seam: Seam) -> str:
    """The text from the seam on, behind the pages before it."""
    style = (
        f"<style>html {{ counter-reset: footnote {blocks.notes[seam.block]}; }} "
        "main.text > :first-child { margin-break: discard; }</style>"
    )
    at = head.rfind("</head>")
    lead = EMPTY_PAGE * seam.page
    main = text[: blocks.starts[0]]
    return head[:at] + style + head[at:] + lead + main + text[blocks.starts[seam.block] :]


@dataclass
class Shadow:
    """A page laid out by another process: what the contents and bookmarks need of it."""

    anchors: dict[str, Any]
    bookmarks: list[Any]
    height: float


def page_numbers(pages: list[Any], before: int) -> dict[str, int]:
    """Anchor -> number of the page it is on (the first, for a block over two pages), for
    pages that follow `before` others."""
    numbers: dict[str, int] = {}
    for number, page in enumerate(pages, start=before + 1):
        for anchor in page.anchors:
            numbers.setdefault(anchor, number)
    return numbers


def anchors_in(page: str) -> set[str]:
    """Every id in an HTML page (a superset of its anchors)."""
    return {htmllib.unescape(m) for m in re.findall(r'\bid="([^"]*)"', page)}


def shadows(pages: list[Any]) -> list[Shadow]:
    return [Shadow(dict.fromkeys(p.anchors, (0, 0, 0, 0)), p.bookmarks, p.height) for p in pages]


def stand_in(pages: list[Any], known: set[str]) -> list[str]:
    """Name on the last of `pages` every target of their internal links that is anchored only
    on another part's pages (one of `known`), so that WeasyPrint keeps those links (it drops a
    link to an anchor it does not know); the names given. `pdfjoin` drops them again."""
    own = {name for page in pages for name in page.anchors}
    targets = {link[1] for page in pages for link in page.links if link[0] == "internal"}
    names = sorted((targets - own) & known)
    last = pages[-1].anchors
    for name in names:
        last[name] = (0, 0, 0, 0)
    return names


@dataclass
class Second:
    """The forked process laying out the second half."""

    pid: int
    fd: int

    def header(self) -> tuple[int, dict[str, int], list[Shadow], list[list[str]]] | None:
        """Its total page count, the page number of each anchor, its pages' shadows and its
        log entries; None if it failed."""
        return _receive(self.fd)  # type: ignore[return-value]

    def pdf(self) -> tuple[bytes, list[str], list[list[str]]] | None:
        """Its PDF, the stand-in names in it, its log entries; None if it failed."""
        return _receive(self.fd)  # type: ignore[return-value]

    def stop(self, kill: bool = False) -> None:
        """Wait for its end (`kill`: end it first); once only."""
        if self.fd < 0:
            return
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        os.close(self.fd)
        self.fd = -1
        os.waitpid(self.pid, 0)


def start_second(
    page: str,
    seam: Seam,
    layout: Callable[[str], Any],
    write: Callable[[Any], bytes],
    logs: Logs,
    known: set[str],
) -> Second:
    """Fork the process that lays out `page` (the second half) and writes its pages from the
    seam on. `known`: the anchors of the whole document (links to the others' are kept)."""
    marks = log_marks(logs)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the forked process
        code = 0
        try:
            os.close(read_fd)
            signal.alarm(max(1, int(limits.timeout())))  # never outlives a killed parent long
            doc = layout(page)
            pages = doc.pages[seam.page :]
            numbers = page_numbers(pages, seam.page)
            _send(write_fd, (len(doc.pages), numbers, shadows(pages), since(logs, marks)))
            marks = log_marks(logs)  # what follows is new
            names = stand_in(pages, known)
            pdf = write(doc.copy(pages))
            _send(write_fd, (pdf, names, since(logs, marks)))
        except BaseException:
            code = 1
        os._exit(code)
    os.close(write_fd)
    return Second(pid, read_fd)


def _send(fd: int, value: Any) -> None:
    data = pickle.dumps(value)
    data = struct.pack("!Q", len(data)) + data
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _receive(fd: int) -> Any:
    size = _read(fd, 8)
    if size is None:
        return None
    data = _read(fd, struct.unpack("!Q", size)[0])
    return None if data is None else pickle.loads(data)


def _read(fd: int, size: int) -> bytes | None:
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)
