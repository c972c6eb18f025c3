"""The front of a DOCX: the title page and the filled table of contents.

A TOC field that Word or LibreOffice fill only after "update fields" greets the reader with an
empty "Inhalt". lafast writes the field's result itself: one entry per heading with a hyperlink
and a PAGEREF field to the heading's bookmark. The page numbers are those of LibreOffice's
layout, computed by `docxpages`; LibreOffice recomputes PAGEREF fields on layout, Word on
printing or F9, so where Word sets a page differently the number follows on update.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from lafast_docs.render import docxpages
from lafast_docs.render.docxxml import (
    AFTER_PAGE_BREAK,
    Element,
    W,
    child,
    el,
    para,
    parse,
    put_ppr,
    q,
    run,
    style_of,
    text_of,
)

PANDOC_TITLE_BLOCK = {"Title", "Subtitle", "Author", "Date", "AbstractTitle", "Abstract"}
LABEL_WIDTH = 2268  # twips (4 cm): the label column of the title page's table
TEXT_DARK = "1F2328"


@dataclass(frozen=True)
class TitlePage:
    """The first page: publisher, document type, title, subtitle, metadata rows."""

    org: str
    kind: str
    title: str
    subtitle: str
    rows: tuple[tuple[str, str], ...]
    logo: bool = False  # the text's first paragraph is the logo: it moves to the top


def title_page(body: Element, tp: TitlePage, width: int, *, toc: bool) -> None:
    """pandoc's title block replaced by a title page; the text starts on a new page."""
    title_block = []
    for e in body:  # not a list of the body's thousands of children: it ends early
        if e.tag == q("p") and style_of(e) in PANDOC_TITLE_BLOCK:
            title_block.append(e)
        elif e.tag != q("bookmarkStart"):
            break
    for e in title_block:
        body.remove(e)
    drawing = f".//{q('drawing')}"
    near = [e for e in body[:3] if e.tag == q("p") and e.find(drawing) is not None]
    logo = near[0] if tp.logo and near else None  # after pandoc's TOC, before the text
    if logo is not None:
        body.remove(logo)
    first = body[0] if len(body) else None
    publisher = para("Titelangaben", run(tp.org))
    kind = para("Titelangaben", run(tp.kind.upper(), el("caps"), el("spacing", val="20")))
    put_ppr(kind, el("spacing", before="1701", after="120"), before=("ind", "jc", "rPr"))
    front = [*([logo] if logo is not None else []), publisher, kind, para("Title", run(tp.title))]
    if tp.subtitle:
        front.append(para("Subtitle", run(tp.subtitle)))
    front.append(_metadata_table(tp.rows, width))
    for i, e in enumerate(front):
        body.insert(i, e)
    if first is None:
        return
    if toc and first.tag == q("sdt"):
        heading = first.find(f".//{q('p')}")
        if heading is not None:
            put_ppr(heading, el("pageBreakBefore"), before=AFTER_PAGE_BREAK)
        first = first.getnext()
    if first is not None:
        new_page_at(first)


def new_page_at(e: Element) -> None:
    """`e` (or the paragraph after its bookmarks) begins a new page."""
    while e is not None and e.tag in (q("bookmarkStart"), q("bookmarkEnd")):
        e = e.getnext()
    if e is None or e.tag == q("sectPr"):
        return
    if e.tag == q("p"):
        put_ppr(e, el("pageBreakBefore"), before=AFTER_PAGE_BREAK)
    else:
        e.addprevious(el("p", el("r", el("br", type="page"))))


def _metadata_table(rows: tuple[tuple[str, str], ...], width: int) -> Element:
    rule = {"val": "single", "sz": "8", "space": "0", "color": "9CA3AF"}
    tbl_pr = el(
        "tblPr",
        el("tblW", w=str(width), type="dxa"),
        el("tblBorders", el("top", **rule), el("bottom", **rule)),
        el("tblLayout", type="fixed"),
        el(
            "tblCellMar",
            el("top", w="57", type="dxa"),
            el("left", w="0", type="dxa"),
            el("bottom", w="57", type="dxa"),
            el("right", w="113", type="dxa"),
        ),
        el(
            "tblLook",
            val="0000",
            firstRow="0",
            lastRow="0",
            firstColumn="1",
            lastColumn="0",
            noHBand="1",
            noVBand="1",
        ),
        el("tblCaption", val="Angaben zum Dokument"),
    )
    widths = (LABEL_WIDTH, width - LABEL_WIDTH)
    tbl = el("tbl", tbl_pr, el("tblGrid", *(el("gridCol", w=str(w)) for w in widths)))
    for label, value in rows:
        cells = (run(label, el("b"), el("bCs")), run(value, el("color", val=TEXT_DARK)))
        tbl.append(
            el(
                "tr",
                el("trPr", el("cantSplit")),
                *(
                    el("tc", el("tcPr", el("tcW", w=str(w), type="dxa")), para("Titelangaben", c))
                    for w, c in zip(widths, cells, strict=True)
                ),
            )
        )
    return tbl


# -- the table of contents -----------------------------------------------------------------------
NUMBER_TAB = {1: (0, 567), 2: (340, 794), 3: (680, 1021)}  # level: (indent, number width)


def fill_toc(body: Element, book: docxpages.Book) -> None:
    """Fill pandoc's TOC field (`--toc`) with entries for the headings it covers, each with the
    page LibreOffice sets it on (`docxpages`, with `book`'s styles and footnotes)."""
    sdt = next(
        (s for s in body.iter(q("sdt")) if s.find(f".//{q('docPartGallery')}") is not None), None
    )
    instr = (
        None
        if sdt is None
        else next((i for i in sdt.iter(q("instrText")) if "TOC" in (i.text or "")), None)
    )
    if sdt is None or instr is None:
        return
    field_p = instr
    while field_p.tag != q("p"):
        field_p = field_p.getparent()
    depth = int(m.group(1)) if (m := re.search(r'\\o "\d-(\d)"', instr.text or "")) else 3
    heads = headings(body, depth)
    entries = _entries(heads)
    if not entries:
        entries = [para("TOC1", run("(keine Überschriften)"))]
    begin = [
        el("r", el("fldChar", fldCharType="begin")),
        _instr(instr.text or ""),
        el("r", el("fldChar", fldCharType="separate")),
    ]
    entries[0].find(q("pPr")).addnext(begin[0])
    begin[0].addnext(begin[1])
    begin[1].addnext(begin[2])
    entries[-1].append(el("r", el("fldChar", fldCharType="end")))
    for e in reversed(entries):
        field_p.addnext(e)
    field_p.getparent().remove(field_p)
    pages = docxpages.page_numbers(book, body)  # with the entries in place: they take pages too
    for (_level, name, _text), entry in zip(heads, entries, strict=False):
        entry.findall(f".//{q('t')}")[-1].text = str(pages.get(name, 1))


def _instr(text: str) -> Element:
    e = el("instrText")
    e.text = f" {text.strip()} "
    e.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return el("r", e)


def headings(body: Element, depth: int) -> list[tuple[int, str, str]]:
    """(level, bookmark name, text with a tab after the section number) of each heading."""
    out: list[tuple[int, str, str]] = []
    for p, level in _heading_paras(body):
        if level > depth:
            continue
        name = _bookmark_of(p, len(out))
        number = "".join(
            text_of(r)
            for r in p.iter(q("r"))
            if (s := child(child(r, q("rPr")), q("rStyle"))) is not None
            and s.get(q("val")) == "Abschnittsnummer"
        )
        text = text_of(p).strip()
        if number and text.startswith(number):
            text = f"{number}\t{text[len(number) :].strip()}"
        out.append((level, name, text))
    return out


def _heading_paras(body: Element) -> list[tuple[Element, int]]:
    """Each paragraph in a style `Heading<n>`, with n, found through the paragraph styles (a
    tenth as many elements as there are paragraphs and runs)."""
    out = []
    for s in body.iter(q("pStyle")):
        m = re.fullmatch(r"Heading(\d)", s.get(q("val")) or "")
        p = s.getparent().getparent()  # the pStyle of a paragraph's pPr, not of a pPrChange
        if m and p is not None and p.tag == q("p") and child(child(p, q("pPr")), q("pStyle")) is s:
            out.append((p, int(m.group(1))))
    return out


def _bookmark_of(p: Element, n: int) -> str:
    prev = p.getprevious()
    while prev is not None and prev.tag == q("bookmarkStart"):
        return str(prev.get(q("name")))
    inner = p.find(q("bookmarkStart"))
    if inner is not None:
        return str(inner.get(q("name")))
    name = f"_Toc_lafast_{n}"
    ppr = p.find(q("pPr"))
    start = el("bookmarkStart", id="0", name=name)  # unique ids are set afterwards
    if ppr is not None:
        ppr.addnext(start)
    else:
        p.insert(0, start)
    p.append(el("bookmarkEnd", id="0"))
    return name


def _entries(heads: list[tuple[int, str, str]]) -> list[Element]:
    """The TOC's lines, each: number, tab, title, tab, PAGEREF (its cached page number set
    later). Written as XML and parsed at once: a tenth of the cost of building them element
    by element (a long text has hundreds of headings, each line two dozen elements)."""
    if not heads:
        return []
    lines = []
    for level, name, text in heads:
        indent, number = NUMBER_TAB.get(level, NUMBER_TAB[3])
        title = _TAB_RUN.join(_TEXT_RUN.format(escape(part)) for part in text.split("\t"))
        lines.append(
            _ENTRY.format(
                style=min(level, 3),
                pos=indent + number,
                number=number,
                name=escape(name),
                title=title,
                ref=escape(f" PAGEREF {name} \\h "),
            )
        )
    return list(parse(f'<w:body xmlns:w="{W}">{"".join(lines)}</w:body>'.encode()))


_TEXT_RUN = '<w:r><w:t xml:space="preserve">{}</w:t></w:r>'
_TAB_RUN = "<w:r><w:tab/></w:r>"
_FIELD = '<w:r><w:fldChar w:fldCharType="{}"/></w:r>'
_ENTRY = (
    '<w:p><w:pPr><w:pStyle w:val="TOC{style}"/><w:tabs><w:tab w:val="left" w:pos="{pos}"/>'
    '</w:tabs><w:ind w:left="{pos}" w:hanging="{number}"/></w:pPr>'
    '<w:hyperlink w:anchor="{name}" w:history="1">{title}'
    + _TAB_RUN
    + _FIELD.format("begin")
    + '<w:r><w:instrText xml:space="preserve">{ref}</w:instrText></w:r>'
    + _FIELD.format("separate")
    + _TEXT_RUN.format("0")
    + _FIELD.format("end")
    + "</w:hyperlink></w:p>"
)
