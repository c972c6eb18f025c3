"""Finishing of pandoc's DOCX into a document an office sends out unchanged.

pandoc writes the text; what Word needs beyond it is set here in the package's XML (lxml):
- `title_page`: title, subtitle and the metadata as a table on a page of their own;
- `fill_toc`: the table-of-contents field filled with its entries (a hyperlink and a PAGEREF
  field per heading), so the list is there when the file is opened and still updates in Word
  (F9) and LibreOffice (Extras > Aktualisieren);
- `margin_numbers`: Randnummern in the left margin by a hanging indent; in list items the list
  label becomes text after the Randnummer, so the two never collide ("1. 8 Er sichert");
- `size_tables`: column widths by content, never narrower than a column's longest word;
- header and footer from the workspace's organisation;
- `unique_ids`: every bookmark, comment and tracked change its own `w:id` (pandoc numbers
  insertions and deletions separately; Word may then call the file damaged).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lafast_docs.render import docxfront, docxpages, docxsvg, markup
from lafast_docs.render.docxxml import (
    AFTER_IND,
    AFTER_KEEP,
    AFTER_SPACING,
    AFTER_TABS,
    Element,
    child,
    el,
    para,
    parse,
    put_ppr,
    q,
    run,
    serialise,
    style_of,
    text_of,
)

TEXT_WIDTH = 8787  # twips: A4 minus the reference document's margins (3 cm + 2.5 cm)
RN_WIDTH = 567  # twips (1 cm) of margin for the Randnummer
REVISIONS = (
    "ins",
    "del",
    "moveFrom",
    "moveTo",
    "rPrChange",
    "pPrChange",
    "tblPrChange",
    "trPrChange",
    "tcPrChange",
    "sectPrChange",
    "numberingChange",
    "cellIns",
    "cellDel",
)


@dataclass(frozen=True)
class Layout:
    """What `finish` does to a DOCX; the defaults suit every lafast DOCX."""

    header: str = ""  # the organisation's short name (replaces the reference document's)
    footer_note: str = ""  # the funding note, printed above "Seite n von N"
    title_page: docxfront.TitlePage | None = None
    toc: bool = False
    margin_numbers: bool = False
    landscape: bool = False
    svg_files: tuple[tuple[str, str], ...] = ()  # SHA-256 of an SVG's bytes -> its file, for errors
    raster_cache: str = ""  # folder keeping the PNGs rendered from SVG pictures
    line_memo: str = ""  # file keeping the lines of each paragraph for the TOC's page layout


def finish(
    data: bytes, layout: Layout, edits: dict[str, Callable[[bytes], bytes]] | None = None
) -> bytes:
    """The DOCX `data` (pandoc's) with `layout` applied; every other part kept as it is.
    `edits`: part name -> a change of its bytes, made first (what is read from that part then
    sees it), in this one unpacking of the package."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        items = [(info, z.read(info)) for info in z.infolist()]
    parts = {info.filename: blob for info, blob in items}
    out: dict[str, bytes] = {}
    for name, edit in (edits or {}).items():
        if name in parts:
            parts[name] = out[name] = edit(parts[name])
    doc = parse(parts["word/document.xml"])
    body = doc.find(q("body"))
    width = TEXT_WIDTH + (16838 - 11906 if layout.landscape else 0)
    if layout.landscape:
        _landscape(body)
    if layout.margin_numbers:
        margin_numbers(
            body, parse(parts["word/numbering.xml"]) if "word/numbering.xml" in parts else None
        )
    size_tables(body, width)
    if layout.title_page is not None:
        docxfront.title_page(body, layout.title_page, width, toc=layout.toc)
    if layout.toc:
        book = docxpages.Book(
            *(parts.get(f"word/{n}.xml") for n in ("styles", "footnotes", "numbering")),
            memo=Path(layout.line_memo) if layout.line_memo else None,
        )
        docxfront.fill_toc(body, book)
    notes = parse(parts["word/footnotes.xml"]) if "word/footnotes.xml" in parts else None
    unique_ids(doc, notes)
    cache = Path(layout.raster_cache) if layout.raster_cache else None
    out |= docxsvg.add_png_fallbacks(doc, parts, dict(layout.svg_files), cache)
    out["word/document.xml"] = serialise(doc)
    if notes is not None:
        out["word/footnotes.xml"] = serialise(notes)
    for name, blob in parts.items():
        if re.fullmatch(r"word/header\d*\.xml", name) and layout.header:
            out[name] = serialise(_header(parse(blob), layout.header))
        elif re.fullmatch(r"word/footer\d*\.xml", name) and layout.footer_note:
            out[name] = serialise(_footer(parse(blob), layout.footer_note))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info, blob in items:
            z.writestr(info, out.pop(info.filename, blob))
        for name, blob in sorted(out.items()):  # new parts (PNG fallbacks), fixed date
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), blob)
    return buf.getvalue()


# -- Randnummern in the margin -------------------------------------------------------------------
def margin_numbers(body: Element, numbering: Element | None) -> None:
    """Every paragraph that starts with a `Randnummer` run: the number hangs into the left
    margin, a tab leads to the text; a list item's label follows as text at its usual place."""
    labels = _ListLabels(numbering)
    for p in _with_rn_style(body):
        rn = _rn_run(p)
        after = rn.getnext() if rn is not None else None
        if rn is None or (after is not None and child(after, q("tab")) is not None):
            continue  # a number not at the start, or one moved onto a caption line
        _drop_em_space(rn)
        tab = el("r", el("tab"))
        rn.addnext(tab)
        num = child(child(p, q("pPr")), q("numPr"))
        if num is not None:
            left, hanging, label = labels.next(num)
            num.getparent().remove(num)
            label_run = run(label)
            label_run.append(el("tab"))
            tab.addnext(label_run)
            stops = [left - hanging, left]
        else:
            left = _style_left(p)
            stops = [left]
        put_ppr(
            p, el("tabs", *(el("tab", val="left", pos=str(s)) for s in stops)), before=AFTER_TABS
        )
        put_ppr(p, el("ind", left=str(left), hanging=str(left + RN_WIDTH)), before=AFTER_IND)
        if not any(_has_text(r) for r in p.iter(q("r")) if r is not rn):
            _onto_caption(p)  # the number of a table or figure


def _with_rn_style(body: Element) -> list[Element]:
    """The paragraphs with a `Randnummer` run anywhere, in document order (found through the
    run styles: far fewer than the paragraphs)."""
    out: list[Element] = []
    seen: set[Element] = set()
    for style in body.iter(q("rStyle")):
        if style.get(q("val")) != "Randnummer":
            continue
        p = style.getparent()
        while p is not None and p.tag != q("p"):
            p = p.getparent()
        if p is not None and p not in seen:
            seen.add(p)
            out.append(p)
    return out


def _has_text(r: Element) -> bool:
    """Whether the run `r` holds text other than white space."""
    return any(t.text and not t.text.isspace() for t in r.iter(q("t")))


def _onto_caption(p: Element) -> None:
    """A Randnummer standing alone before a table or figure moves to the caption's line;
    without a caption it stays with what follows."""
    after = p.getnext()
    if after is None or after.tag != q("p") or style_of(after) not in CAPTIONS:
        put_ppr(p, el("keepNext"), before=AFTER_KEEP)
        return
    ppr = after.find(q("pPr"))
    for r in reversed([c for c in p if c.tag != q("pPr")]):
        (ppr.addnext(r) if ppr is not None else after.insert(0, r))
    for tag in ("tabs", "ind"):
        put_ppr(
            after, p.find(f"{q('pPr')}/{q(tag)}"), before=AFTER_TABS if tag == "tabs" else AFTER_IND
        )
    p.getparent().remove(p)


CAPTIONS = {"TableCaption", "ImageCaption", "Caption"}


def _rn_run(p: Element) -> Element | None:
    for r in p.iter(q("r")):
        style = child(child(r, q("rPr")), q("rStyle"))
        if style is not None and style.get(q("val")) == "Randnummer":
            return r
        if _has_text(r):
            return None
    return None


def _drop_em_space(rn: Element) -> None:
    """The em space pandoc put after the number (the DOCX forms keep it) gives way to a tab."""
    for r in rn.itersiblings(q("r")):
        t = child(r, q("t"))
        if t is not None and t.text is not None:
            t.text = t.text.lstrip("\u2003 ")
            if not t.text:
                r.getparent().remove(r)
        return


_STYLE_LEFT = {"BlockText": 510}  # the reference document's indented paragraph styles


def _style_left(p: Element) -> int:
    ind = child(child(p, q("pPr")), q("ind"))
    if ind is not None and ind.get(q("left")):
        return int(ind.get(q("left")))
    return _STYLE_LEFT.get(style_of(p), 0)


class _ListLabels:
    """The label of each numbered paragraph ("1.", "a)", "•"), counted as Word counts."""

    def __init__(self, numbering: Element | None) -> None:
        self.levels: dict[tuple[str, int], tuple[str, str, int, int, int]] = {}
        self.counts: dict[tuple[str, int], int] = {}
        self.nums: dict[str, Element] = {}  # numId -> its num, read when first numbered
        self.abstract: dict[str, Element] = {}
        if numbering is not None:
            for e in numbering:
                if e.tag == q("num"):
                    self.nums[str(e.get(q("numId")))] = e  # the last of an id counts
                elif e.tag == q("abstractNum"):
                    self.abstract[str(e.get(q("abstractNumId")))] = e

    def _read(self, num_id: str) -> None:
        """The levels of list `num_id` (a document's numbering holds many lists it never uses)."""
        num = self.nums.pop(num_id, None)
        ref = child(num, q("abstractNumId"))
        a = self.abstract.get(str(ref.get(q("val")))) if ref is not None else None
        if num is None or a is None:
            return
        starts = {
            int(o.get(q("ilvl"))): int(s.get(q("val")))
            for o in num.iterchildren(q("lvlOverride"))
            if (s := child(o, q("startOverride"))) is not None
        }
        for lvl in a.iterchildren(q("lvl")):
            i = int(lvl.get(q("ilvl")))
            fmt = _val(lvl, "numFmt", "decimal")
            text = _val(lvl, "lvlText", "%1.")
            start = starts.get(i, int(_val(lvl, "start", "1")))
            ind = child(child(lvl, q("pPr")), q("ind"))
            left = int(ind.get(q("left"), "720")) if ind is not None else 720 * (i + 1)
            hanging = int(ind.get(q("hanging"), "360")) if ind is not None else 360
            self.levels[(num_id, i)] = (fmt, text, start, left, hanging)

    def next(self, num_pr: Element) -> tuple[int, int, str]:
        num_id = _val(num_pr, "numId", "0")
        ilvl = int(_val(num_pr, "ilvl", "0"))
        if num_id in self.nums:
            self._read(num_id)
        fmt, text, start, left, hanging = self.levels.get(
            (num_id, ilvl), ("bullet", "", 1, 720 * (ilvl + 1), 360)
        )
        key = (num_id, ilvl)
        self.counts[key] = self.counts.get(key, start - 1) + 1
        for n, deeper in list(self.counts):
            if n == num_id and deeper > ilvl:
                del self.counts[(n, deeper)]
        if fmt == "bullet":
            return left, hanging, "•" if ilvl % 2 == 0 else "–"

        def level_number(m: re.Match[str]) -> str:
            i = int(m.group(1)) - 1
            n = self.counts.get((num_id, i), 1)
            return _format(self.levels.get((num_id, i), (fmt,))[0], n)

        return left, hanging, re.sub(r"%(\d)", level_number, text)


def _val(e: Element, tag: str, default: str) -> str:
    c = child(e, q(tag))
    return default if c is None or c.get(q("val")) is None else str(c.get(q("val")))


def _format(fmt: str, n: int) -> str:
    if fmt == "lowerLetter":
        return chr(ord("a") + (n - 1) % 26)
    if fmt == "upperLetter":
        return chr(ord("A") + (n - 1) % 26)
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(n)
        return roman.lower() if fmt == "lowerRoman" else roman
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, numeral in (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        while n >= value:
            out, n = out + numeral, n - value
    return out


# -- tables --------------------------------------------------------------------------------------
CHAR = 126  # twips per character of 10.5 pt text, generous (DejaVu Sans is wide; Word may
# substitute a font): a column sized by it holds its longest word in either program
CELL_PADDING = 230  # left + right cell margins of the reference document's table style, plus air


def size_tables(body: Element, width: int) -> None:
    """Column widths by content: each at least its longest word, the rest of the text width
    shared by how much text a column holds; fixed layout, so Word and LibreOffice agree."""
    for tbl in body.iter(q("tbl")):
        if tbl.getparent() is not body:
            continue  # a table in a table cell keeps pandoc's widths
        rows = [
            [(_span(tc), text_of(tc)) for tc in tr.findall(q("tc"))] for tr in tbl.findall(q("tr"))
        ]
        ncols = max((sum(s for s, _t in r) for r in rows), default=0)
        if not ncols:
            continue
        least = [CELL_PADDING + CHAR * 3] * ncols
        natural = list(least)
        for r in rows:
            col = 0
            for span, text in r:
                if span == 1:
                    words = text.split()
                    least[col] = max(
                        least[col], CELL_PADDING + CHAR * max((len(w) for w in words), default=1)
                    )
                    natural[col] = max(natural[col], CELL_PADDING + CHAR * len(text))
                col += span
        widths = markup.share_widths(least, natural, width)
        _set_widths(tbl, widths, width)
        after = tbl.getnext()
        if after is not None and after.tag == q("p"):  # air between a table and the text after it
            spacing = after.find(f"{q('pPr')}/{q('spacing')}")
            if spacing is None:
                put_ppr(after, el("spacing", before="160"), before=AFTER_SPACING)
            else:
                spacing.set(q("before"), "160")
        caption = tbl.getprevious()
        if caption is not None and caption.tag == q("p") and style_of(caption) in CAPTIONS:
            put_ppr(caption, el("keepNext"), before=AFTER_KEEP)


def _span(tc: Element) -> int:
    span = child(child(tc, q("tcPr")), q("gridSpan"))
    return int(span.get(q("val"))) if span is not None else 1


def _set_widths(tbl: Element, widths: list[int], width: int) -> None:
    tbl_pr = tbl.find(q("tblPr"))
    if tbl_pr is not None:
        for tag in ("tblW", "tblLayout"):
            for old in tbl_pr.findall(q(tag)):
                tbl_pr.remove(old)
        later = {
            q(t)
            for t in (
                "jc",
                "tblCellSpacing",
                "tblInd",
                "tblBorders",
                "shd",
                "tblCellMar",
                "tblLook",
                "tblCaption",
                "tblDescription",
            )
        }
        pos = next((i for i, c in enumerate(tbl_pr) if c.tag in later), len(tbl_pr))
        tbl_pr.insert(pos, el("tblW", w=str(width), type="dxa"))
        later -= {q("jc"), q("tblCellSpacing"), q("tblInd"), q("tblBorders"), q("shd")}
        pos = next((i for i, c in enumerate(tbl_pr) if c.tag in later), len(tbl_pr))
        tbl_pr.insert(pos, el("tblLayout", type="fixed"))
    grid = tbl.find(q("tblGrid"))
    if grid is not None:
        for old in list(grid):
            grid.remove(old)
        grid.extend(el("gridCol", w=str(w)) for w in widths)
    for tr in tbl.findall(q("tr")):
        col = 0
        for tc in tr.findall(q("tc")):
            span = _span(tc)
            tc_pr = child(tc, q("tcPr"))
            if tc_pr is None:
                tc_pr = el("tcPr")
                tc.insert(0, tc_pr)
            for old in list(tc_pr.iterchildren(q("tcW"))):
                tc_pr.remove(old)
            after_cnf = 1 if len(tc_pr) and tc_pr[0].tag == q("cnfStyle") else 0
            tc_pr.insert(after_cnf, el("tcW", w=str(sum(widths[col : col + span])), type="dxa"))
            col += span


# -- ids, header, footer, page -------------------------------------------------------------------
def unique_ids(*roots: Element | None) -> None:
    """Comments keep their ids (comments.xml refers to them); bookmarks (start and end as a
    pair) and tracked changes get fresh ones above them, so no `w:id` is used twice."""
    parts = [r for r in roots if r is not None]
    kept = {
        int(i)
        for r in parts
        for e in r.iter(
            q("commentRangeStart"), q("commentRangeEnd"), q("commentReference"), q("comment")
        )
        if (i := e.get(q("id")) or "").isdigit()
    }
    next_id = max(kept, default=-1) + 1
    for root in parts:
        starts: dict[str, list[str]] = {}
        names: set[str] = set()
        for e in list(root.iter(q("bookmarkStart"), q("bookmarkEnd"))):
            old = e.get(q("id"), "")
            if e.tag == q("bookmarkStart"):
                name = e.get(q("name"), "")
                while name in names:
                    name += "_"
                names.add(name)
                e.set(q("name"), name)
                starts.setdefault(old, []).append(str(next_id))
                e.set(q("id"), str(next_id))
                next_id += 1
            elif starts.get(old):
                e.set(q("id"), starts[old].pop(0))
            else:  # an end without a start
                e.getparent().remove(e)
    for root in parts:
        for e in root.iter(*(q(t) for t in REVISIONS)):
            if e.get(q("id")) is not None:
                e.set(q("id"), str(next_id))
                next_id += 1


def _header(root: Element, text: str) -> Element:
    for p in root.findall(q("p"))[:1]:
        for c in list(p):
            if c.tag != q("pPr"):
                p.remove(c)
        p.append(run(text))
    return root


def _footer(root: Element, note: str) -> Element:
    first = root.find(q("p"))
    note_p = para("Footer", run(note, el("sz", val="14"), el("szCs", val="14")))
    put_ppr(note_p, el("spacing", after="60"), before=("ind", "jc", "rPr"))
    if first is not None:
        first.addprevious(note_p)
    else:
        root.append(note_p)
    return root


def _landscape(body: Element) -> None:
    """A4 quer: the page size swapped, the orientation set."""
    for size in body.iter(q("pgSz")):
        size.set(q("w"), "16838")
        size.set(q("h"), "11906")
        size.set(q("orient"), "landscape")
