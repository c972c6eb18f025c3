"""The page each heading of a DOCX falls on, laid out as LibreOffice lays it out.

The table of contents is filled when the file is written (`docxfront.fill_toc`), so its page
numbers must be right without an office program at hand. The body is set as LibreOffice Writer
sets a DOCX: styles resolved (`docxstyles`), paragraphs broken into lines with the fonts'
metrics (`docxlines`), then filled into pages here: the larger of two adjoining paragraph
spacings, space before kept only after a page break made by hand, widow and orphan control,
keep-with-next and keep-together, table rows split at a page end (unless `cantSplit` is set on
the row itself) with the header rows repeated, footnotes at the foot of their reference's page
(one that does not fit continues on the next page), and page breaks. Calibrated against
LibreOffice 7.4 on the shipped samples (`tests/test_docx_pages.py` compares every heading).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lafast_docs.render.docxlines import Line, Para, lay_lines
from lafast_docs.render.docxmemo import LineMemo
from lafast_docs.render.docxstyles import (
    Props,
    Styles,
    cell_margins,
    on_attr,
    twips,
    with_ppr,
)
from lafast_docs.render.docxxml import Element, child, parse, q, xml_of

NOTE_GAP = 100  # twips between the text and the footnotes (calibrated on LibreOffice 7.4)
NOTE_SEP = 0  # the separator's own height
BODY_SLACK = 20  # twips LibreOffice lets the last line reach into the bottom margin


# -- blocks and pages ----------------------------------------------------------------------------
@dataclass
class Row:
    """A table row: each cell's line heights (paragraph spacing included) and margins."""

    cells: list[list[int]]
    pad: int  # top and bottom cell margins and the row's rule
    header: bool
    notes: list[str]
    split: bool = True  # LibreOffice splits a row at a page end unless `cantSplit` is direct

    @property
    def height(self) -> int:
        return self.pad + max((sum(c) for c in self.cells), default=0)

    def cut(self, room: int) -> Row | None:
        """The part of the row that does not fit in `room` (None: all fits or none may)."""
        rest = []
        for cell in self.cells:
            used, n = self.pad, 0
            while n < len(cell) and used + cell[n] <= room:
                used, n = used + cell[n], n + 1
            rest.append(cell[n:])
        if not any(rest):
            return None
        return Row(rest, self.pad, False, [], self.split)


@dataclass
class Table:
    rows: list[Row]
    names: list[str]


@dataclass(frozen=True)
class Page:
    """The page's text area (twips) and footnote separator, from the section properties."""

    width: int = 8787
    height: int = 14004


def page_of(body: Element) -> Page:
    sect = body.find(q("sectPr"))
    size = sect.find(q("pgSz")) if sect is not None else None
    mar = sect.find(q("pgMar")) if sect is not None else None
    if size is None or mar is None:
        return Page()
    w, h = twips(size, "w") or 11906, twips(size, "h") or 16838
    left, right = twips(mar, "left") or 0, twips(mar, "right") or 0
    top, bottom = twips(mar, "top") or 0, twips(mar, "bottom") or 0
    return Page(width=w - left - right, height=h - abs(top) - abs(bottom) + BODY_SLACK)


class Book:
    """A DOCX's styles and footnotes, ready to lay out its body."""

    def __init__(
        self,
        styles: bytes | None,
        footnotes: bytes | None,
        numbering: bytes | None = None,
        *,
        memo: Path | None = None,
    ) -> None:
        self.styles = Styles(parse(styles) if styles else None)
        self.notes_xml = footnotes or b""
        self._props: dict[tuple[str, str, bytes], Props] = {}
        self.memo = LineMemo(memo, styles or b"", numbering or b"")
        self.levels: dict[tuple[str, str], Element] = {}  # (numId, ilvl) -> the level's pPr
        if numbering:
            root = parse(numbering)
            abstract = {a.get(q("abstractNumId")): a for a in root.findall(q("abstractNum"))}
            for num in root.findall(q("num")):
                ref = num.find(q("abstractNumId"))
                a = abstract.get(ref.get(q("val")) if ref is not None else None)
                for lvl in a.findall(q("lvl")) if a is not None else []:
                    key = (str(num.get(q("numId"))), str(lvl.get(q("ilvl"))))
                    self.levels[key] = lvl.find(q("pPr"))
        self.footnotes: dict[str, list[Element]] = {}
        if footnotes:
            for note in parse(footnotes).findall(q("footnote")):
                self.footnotes[str(note.get(q("id")))] = note.findall(f".//{q('p')}")

    def para(self, p: Element, width: int, table: str = "", part: str = "") -> Para:
        ppr = child(p, q("pPr"))
        s = child(ppr, q("pStyle"))
        style = str(s.get(q("val"))) if s is not None else ""
        # the same properties recur (every body paragraph has its margin number's tabs and
        # indent): resolved once per distinct pPr, not once per paragraph
        known = (table, part, b"" if ppr is None else xml_of(ppr))
        props = self._props.get(known)
        if props is None:
            props = self._props[known] = self._props_of(ppr, style, table, part)
        names = [str(b.get(q("name"))) for b in p.iter(q("bookmarkStart"))]
        key = self.memo.key(p, f"{width}|{table}|{part}")
        lines = self.memo.get(key)
        if lines is None:
            lines = lay_lines(p, self.styles, props, width)
            self.memo.put(key, lines)
        return Para(props, style, lines, names)

    def _props_of(self, ppr: Element | None, style: str, table: str, part: str) -> Props:
        props = self.styles.para(style, table, part)
        num = ppr.find(q("numPr")) if ppr is not None else None
        if num is not None:  # the list level's indents, then the paragraph's own
            num_id, ilvl = (num.find(q(t)) for t in ("numId", "ilvl"))
            level = (
                str(num_id.get(q("val"))) if num_id is not None else "0",
                str(ilvl.get(q("val"))) if ilvl is not None else "0",
            )
            props = with_ppr(props, self.levels.get(level))
        return with_ppr(props, ppr)

    def note_lines(self, nid: str, width: int) -> list[int]:
        return unit_lines([self.para(p, width) for p in self.footnotes.get(nid, [])])

    def table(self, tbl: Element) -> Table:
        tpr = tbl.find(q("tblPr"))
        ts = tpr.find(q("tblStyle")) if tpr is not None else None
        tstyle = str(ts.get(q("val"))) if ts is not None else self.styles.default_table
        margins = list(self.styles.table_margins(tstyle))
        own = tpr.find(q("tblCellMar")) if tpr is not None else None
        if own is not None:
            cell_margins(own, margins)
        rows: list[Row] = []
        names = [str(b.get(q("name"))) for b in tbl.iter(q("bookmarkStart"))]
        look = tpr.find(q("tblLook")) if tpr is not None else None
        first_row = look is not None and (on_attr(look, "firstRow") or _look_bit(look, 0x20))
        for i, tr in enumerate(tbl.findall(q("tr"))):
            part = "firstRow" if i == 0 and first_row else ""
            trpr = tr.find(q("trPr"))
            header = trpr is not None and trpr.find(q("tblHeader")) is not None
            cells, notes, pad = [], [], 0
            for tc in tr.findall(q("tc")):
                cell = list(margins)
                tcpr = tc.find(q("tcPr"))
                mar = tcpr.find(q("tcMar")) if tcpr is not None else None
                if mar is not None:
                    cell_margins(mar, cell)
                tcw = tcpr.find(q("tcW")) if tcpr is not None else None
                w = (twips(tcw, "w") or 2000) if tcw is not None else 2000
                inner = w - cell[1] - cell[3]
                paras = [self.para(p, inner, tstyle, part) for p in tc.findall(q("p"))]
                cells.append(unit_lines(paras))
                pad = max(pad, cell[0] + cell[2] + ROW_RULE)
                notes += [n for para in paras for line in para.lines for n in line.notes]
            split = trpr is None or trpr.find(q("cantSplit")) is None
            rows.append(Row(cells, pad, header, notes, split))
        return Table(rows, names)


def _look_bit(look: Element, bit: int) -> bool:
    """A bit of `tblLook`'s hexadecimal `val` (older Word writes the flags that way)."""
    v = look.get(q("val")) or "0"
    return bool(re.fullmatch(r"[0-9A-Fa-f]{1,4}", v)) and bool(int(v, 16) & bit)


ROW_RULE = 10  # twips: a row's border line (0.5 pt)


def unit_lines(paras: list[Para]) -> list[int]:
    """Line heights of paragraphs one below the other (a cell, a footnote), the spacing between
    them added to the line below it, the last one's space after to its last line."""
    out: list[int] = []
    prev_after = None
    for p in paras:
        gap = p.props.before if prev_after is None else max(prev_after, p.props.before)
        heights = [line.height for line in p.lines] or [0]
        heights[0] += gap
        out += heights
        prev_after = p.props.after
    if out and prev_after:
        out[-1] += prev_after
    return out


def blocks(book: Book, body: Element, page: Page) -> list[Para | Table]:
    out: list[Para | Table] = []
    names: list[str] = []
    for e in body:
        if e.tag == q("bookmarkStart"):
            names.append(str(e.get(q("name"))))
        elif e.tag in (q("p"), q("sdt")):
            for p in e.iter(q("p")) if e.tag == q("sdt") else [e]:
                para = book.para(p, page.width)
                para.names[:0] = names
                names = []
                out.append(para)
        elif e.tag == q("tbl"):
            table = book.table(e)
            table.names[:0] = names
            names = []
            out.append(table)
    return out


def page_numbers(book: Book, body: Element) -> dict[str, int]:
    """Bookmark name -> the page (1-based) where LibreOffice sets its paragraph; the same body
    (with the same styles, numbering and footnotes) is not laid out again (`LineMemo.pages`)."""
    whole = book.memo.whole_key(body, book.notes_xml)
    kept = book.memo.pages(whole)
    if kept is not None:
        return kept
    pages = _page_numbers(book, body)
    book.memo.keep_pages(whole, pages)
    return pages


def _page_numbers(book: Book, body: Element) -> dict[str, int]:
    page = page_of(body)
    items = blocks(book, body, page)
    notes = {n: book.note_lines(n, page.width) for b in items for n in _notes_of(b)}
    book.memo.save()
    pager = Pager(page, notes)
    for i, item in enumerate(items):
        if isinstance(item, Table):
            pager.table(item)
        else:
            pager.para(item, items[i + 1 :])
    return pager.pages


def _table_start(t: Table) -> int:
    """The least of a table that must stand on a page: its header rows and the first line of
    the row after them (the whole row if it may not split)."""
    height = 0
    for row in t.rows:
        if row.header:
            height += row.height
            continue
        firsts = [c[0] for c in row.cells if c]
        return height + (row.pad + max(firsts, default=0) if row.split else row.height)
    return height


def _notes_of(b: Para | Table) -> list[str]:
    if isinstance(b, Table):
        return [n for r in b.rows for n in r.notes]
    return [n for line in b.lines for n in line.notes]


class Pager:
    """Fills pages top to bottom as LibreOffice does (twips). Footnotes take space from the
    foot of the page of their reference; one that does not fit whole continues on the next."""

    def __init__(self, page: Page, note_lines: dict[str, list[int]]) -> None:
        self.size = page
        self.note_lines = note_lines
        self.page, self.y, self.notes, self.carry = 1, 0, 0, 0
        self.prev_after = 0
        self.prev: Para | None = None
        self.manual = True
        self.pages: dict[str, int] = {}

    def new_page(self) -> None:
        self.page, self.y, self.prev_after = self.page + 1, 0, 0
        self.notes = self.carry + NOTE_GAP + NOTE_SEP if self.carry else 0
        self.carry = 0

    def room(self, y: int, used: int, height: int, notes: list[str]) -> tuple[int, int] | None:
        """For a line of `height` below `y` with footnotes `notes`, while the notes take `used`:
        (the notes' space after it, what of them goes on to the next page), or None: no room."""
        if self.carry:
            return None  # a footnote already runs on: the page is full
        limit = self.size.height - used - height - y
        if not notes:
            return (used, 0) if limit >= 0 else None
        units = [u for n in notes for u in self.note_lines.get(n, [])]
        sep = 0 if used else NOTE_GAP + NOTE_SEP
        if sum(units) + sep <= limit:
            return used + sep + sum(units), 0
        if limit < 0:
            return None
        k, taken = 0, 0
        while k < len(units) and taken + units[k] + sep <= limit:
            taken, k = taken + units[k], k + 1
        return (used + (sep if k else 0) + taken, sum(units[k:]))

    def _put(self, height: int, notes: list[str]) -> None:
        got = self.room(self.y, self.notes, height, notes)
        self.notes, carry = got if got else (self.notes + sum(self._units(notes)), 0)
        self.carry += carry
        self.y += height

    def _units(self, notes: list[str]) -> list[int]:
        return [u for n in notes for u in self.note_lines.get(n, [])]

    def gap(self, p: Para) -> int:
        if self.y == 0:
            return p.props.before if self.manual else 0
        if (
            p.props.contextual
            and self.prev is not None
            and self.prev.style == p.style
            and isinstance(self.prev, Para)
        ):
            return 0
        return max(self.prev_after, p.props.before)

    def para(self, p: Para, rest: list[Para | Table]) -> None:
        if p.props.page_break and (self.y or self.page > 1):
            self.new_page()
            self.manual = True  # after a page break made by hand, the space before stays
        if p.props.keep_next and self.y and not self._chain_fits(p, rest):
            self.new_page()
        gap = self.gap(p)
        lines = p.lines
        n = self._fitting(lines, gap) if self.y else max(1, self._fitting(lines, gap))
        if n < len(lines) and self.y:
            whole = p.props.keep_lines or (p.props.widows and len(lines) < 4)
            if p.props.widows and not whole:
                n = min(n, len(lines) - 2)
            if whole or n < (2 if p.props.widows else 1):
                self.new_page()
                gap, n = 0, max(1, self._fitting(lines, 0))
        self._mark(p.names)
        self.y += gap
        while True:
            for line in lines[:n]:
                self._put(line.height, line.notes)
            lines = lines[n:]
            if not lines:
                break
            self.new_page()
            n = max(1, self._fitting(lines, 0))
            if p.props.widows and n < len(lines) and len(lines) - n < 2:
                n = max(1, len(lines) - 2)
        self.prev_after, self.prev, self.manual = p.props.after, p, False

    def _fitting(self, lines: list[Line], gap: int) -> int:
        """How many of `lines` fit on this page below a gap of `gap`."""
        y, used, n = self.y + gap, self.notes, 0
        for line in lines:
            got = self.room(y, used, line.height, line.notes)
            if got is None:
                break
            y, used, n = y + line.height, got[0], n + 1
            if got[1]:
                break
        return n

    def _chain_fits(self, p: Para, rest: list[Para | Table]) -> bool:
        """A paragraph kept with the next fits with the start of what follows it."""
        height = self.gap(p) + sum(line.height for line in p.lines)
        prev_after = p.props.after
        for nxt in rest:
            if isinstance(nxt, Table):
                return self.y + height + _table_start(nxt) <= self.size.height - self.notes
            gap = max(prev_after, nxt.props.before)
            take = nxt.lines if nxt.props.keep_next else nxt.lines[: 2 if nxt.props.widows else 1]
            height += gap + sum(line.height for line in take)
            if not nxt.props.keep_next:
                break
            prev_after = nxt.props.after
        return height > self.size.height or self.y + height <= self.size.height - self.notes

    def table(self, t: Table) -> None:
        self._mark(t.names)
        header = [r for r in t.rows if r.header]
        self.y += self.prev_after if self.y else 0
        rows = list(t.rows)
        while rows:
            row = rows.pop(0)
            if self.y and self.room(self.y, self.notes, row.height, row.notes) is None:
                room = self.size.height - self.notes - sum(self._units(row.notes)) - self.y
                rest = row.cut(room) if row.split and not row.header else None
                if rest is not None and rest.height < row.height - row.pad:
                    rows.insert(0, rest)
                    self._put(0, row.notes)
                self.new_page()
                if not row.header:
                    self.y += sum(r.height for r in header)
                if rest is not None and rest.height < row.height - row.pad:
                    continue
            self._put(row.height, row.notes)
        self.prev_after, self.prev, self.manual = 0, None, False

    def _mark(self, names: list[str]) -> None:
        for name in names:
            self.pages.setdefault(name, self.page)
