"""The DOCX as an office sends it out: checked in its XML and, through LibreOffice, as pages.

Title page first, a filled table of contents whose page numbers are the pages LibreOffice sets
each heading on (`docxpages` lays the DOCX out as LibreOffice does; Word and LibreOffice
recompute the fields on update), Randnummern apart from list numbers, no word broken inside a
table cell, the organisation in header and footer, every `w:id` used once.
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from lafast_docs.render import docxpost
from lafast_docs.render.docxxml import parse, q, style_of, text_of

from .conftest import SAMPLE_FS, SAMPLE_SN, libreoffice_convert

W_ID = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}id"


def part(path: Path, name: str):
    with zipfile.ZipFile(path) as z:
        return parse(z.read(name))


def assert_unique_ids(path: Path) -> None:
    """No two bookmarks or tracked changes share a `w:id`, nor with a comment; each bookmark
    name once; every bookmark end has its start."""
    doc = part(path, "word/document.xml")
    notes = part(path, "word/footnotes.xml")
    ids: Counter[str] = Counter()
    for root in (doc, notes):
        for e in root.iter(q("bookmarkStart"), q("commentRangeStart"), *map(q, docxpost.REVISIONS)):
            ids[e.get(W_ID)] += 1
    assert [i for i, n in ids.items() if n > 1] == []
    names = Counter(e.get(q("name")) for e in doc.iter(q("bookmarkStart")))
    assert [n for n, c in names.items() if c > 1] == []
    starts = {e.get(W_ID) for e in doc.iter(q("bookmarkStart"))}
    assert {e.get(W_ID) for e in doc.iter(q("bookmarkEnd"))} <= starts


def pages_of(pdf: Path) -> list[str]:
    from tests.checkers import tool

    out = subprocess.run(
        [tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return out.split("\f")[:-1]


@pytest.fixture(scope="module")
def as_pages(rendered_samples, tmp_path_factory) -> dict[str, list[str]]:
    """Each sample's DOCX, converted to PDF by LibreOffice, as the text of its pages."""
    out = tmp_path_factory.mktemp("lo")
    return {
        slug: pages_of(libreoffice_convert(rendered_samples[slug]["docx"], "pdf", out / slug))
        for slug in (SAMPLE_FS, SAMPLE_SN)
    }


# -- in the XML ----------------------------------------------------------------------------------
@pytest.mark.parametrize("slug", [SAMPLE_FS, SAMPLE_SN])
def test_docx_structure(rendered_samples, slug) -> None:
    path = rendered_samples[slug]["docx"]
    body = part(path, "word/document.xml").find(q("body"))
    first = list(body)[:6]
    assert [style_of(p) for p in first[:3]] == ["Titelangaben", "Titelangaben", "Title"]
    table = next(e for e in body if e.tag == q("tbl"))
    labels = [text_of(tr.find(q("tc"))) for tr in table.iter(q("tr"))]
    assert labels[:2] == ["Stand", "Version"] and "Fassung" in labels
    # the TOC field has its entries, each a link and a PAGEREF with a page number
    toc = [p for p in body.iter(q("p")) if style_of(p) in ("TOC1", "TOC2")]
    assert len(toc) > 5
    for p in toc:
        link = p.find(q("hyperlink"))
        instr = " ".join(i.text for i in p.iter(q("instrText")))
        assert f"PAGEREF {link.get(q('anchor'))}" in instr
        assert text_of(p).split("\t")[-1].isdigit()
    assert not [e for e in body.iter(q("fldChar")) if e.get(q("dirty"))]
    # Randnummern: a tab after the number, no Word numbering in the same paragraph
    rn_paras = [p for p in body.iter(q("p")) if docxpost._rn_run(p) is not None]
    assert len(rn_paras) > 20
    for p in rn_paras:
        assert p.find(f"{q('pPr')}/{q('numPr')}") is None
        assert re.match(r"\d+\t(?!\t)", text_of(p)), text_of(p)[:30]
    header = part(path, "word/header1.xml")
    assert text_of(header) == "LaFaSt"
    assert_unique_ids(path)


def test_footer_carries_the_funding_note_once(rendered_samples) -> None:
    path = rendered_samples[SAMPLE_SN]["docx"]
    footer = text_of(part(path, "word/footer1.xml"))
    assert footer.startswith("Diese Maßnahme wird mitfinanziert") and "Seite" in footer
    body = part(path, "word/document.xml").find(q("body"))
    assert "mitfinanziert" not in text_of(body)


def test_list_labels_and_unique_ids_of_a_redline_like_file() -> None:
    """Numbered list items get their label as text behind the margin number; pandoc's shared
    ids of insertions and deletions become distinct."""
    from lxml import etree

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    rn = '<w:r><w:rPr><w:rStyle w:val="Randnummer"/></w:rPr><w:t>{}</w:t></w:r>'
    item = (
        '<w:p><w:pPr><w:numPr><w:ilvl w:val="{}"/><w:numId w:val="5"/></w:numPr></w:pPr>{}'
        "<w:r><w:t>\u2003Text</w:t></w:r></w:p>"
    )
    body = etree.fromstring(
        f"<w:body {w}>"
        + item.format(0, rn.format(7))
        + item.format(1, rn.format(8))
        + item.format(0, rn.format(9))
        + '<w:p><w:ins w:id="1"><w:r><w:t>neu</w:t></w:r></w:ins><w:del w:id="1"><w:r>'
        "<w:delText>alt</w:delText></w:r></w:del></w:p></w:body>"
    )
    numbering = etree.fromstring(
        f'<w:numbering {w}><w:abstractNum w:abstractNumId="3">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/>'
        '<w:pPr><w:ind w:left="720" w:hanging="360"/></w:pPr></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/>'
        '<w:lvlText w:val="%2)"/><w:pPr><w:ind w:left="1440" w:hanging="360"/></w:pPr></w:lvl>'
        '</w:abstractNum><w:num w:numId="5"><w:abstractNumId w:val="3"/></w:num></w:numbering>'
    )
    docxpost.margin_numbers(body, numbering)
    docxpost.unique_ids(body)
    texts = [text_of(p) for p in body.iter(q("p"))]
    assert texts[:3] == ["7\t1.\tText", "8\ta)\tText", "9\t2.\tText"]
    ind = body.find(f".//{q('ind')}")
    assert (ind.get(q("left")), ind.get(q("hanging"))) == ("720", str(720 + docxpost.RN_WIDTH))
    ins, dele = body.find(f".//{q('ins')}"), body.find(f".//{q('del')}")
    assert ins.get(W_ID) != dele.get(W_ID)


def test_margin_numbers_found_where_the_run_styles_say() -> None:
    """A Randnummer inside a hyperlink still leads its paragraph; one after text, or in a
    paragraph already done (moved onto a caption line), is left alone; a lone one before a
    table caption moves onto the caption's line."""
    from lxml import etree

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    rn = '<w:r><w:rPr><w:rStyle w:val="Randnummer"/></w:rPr><w:t>{}</w:t></w:r>'
    body = etree.fromstring(
        f"<w:body {w}>"
        f'<w:p><w:hyperlink w:anchor="x">{rn.format(1)}</w:hyperlink>'
        "<w:r><w:t>Verlinkt</w:t></w:r></w:p>"
        f"<w:p><w:r><w:t>Text zuerst </w:t></w:r>{rn.format(2)}</w:p>"
        f"<w:p>{rn.format(3)}</w:p>"
        '<w:p><w:pPr><w:pStyle w:val="TableCaption"/></w:pPr><w:r><w:t>Tabelle 1</w:t></w:r></w:p>'
        "</w:body>"
    )
    docxpost.margin_numbers(body, None)
    texts = [text_of(p) for p in body.iter(q("p"))]
    assert texts == ["1\tVerlinkt", "Text zuerst 2", "3\tTabelle 1"]
    caption = body[2]
    assert style_of(caption) == "TableCaption"
    assert caption.find(f"{q('pPr')}/{q('ind')}").get(q("hanging")) == str(docxpost.RN_WIDTH)
    assert body[1].find(f"{q('pPr')}/{q('ind')}") is None


def test_toc_lines_keep_any_heading_text() -> None:
    """The TOC's lines are written as XML text: a heading with markup characters and a bookmark
    name with quotes come through as they are, each line linked to its heading."""
    from lxml import etree

    from lafast_docs.render import docxfront, docxpages

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    toc = (
        '<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/>'
        '</w:docPartObj></w:sdtPr><w:sdtContent><w:p><w:r><w:fldChar w:fldCharType="begin"/>'
        '</w:r><w:r><w:instrText xml:space="preserve"> TOC \\o "1-2" \\h \\z \\u </w:instrText>'
        "</w:r></w:p></w:sdtContent></w:sdt>"
    )
    head = (
        '<w:bookmarkStart w:id="0" w:name="{name}"/><w:p><w:pPr><w:pStyle w:val="Heading{n}"/>'
        '</w:pPr><w:r><w:rPr><w:rStyle w:val="Abschnittsnummer"/></w:rPr><w:t>{num}</w:t></w:r>'
        '<w:r><w:t xml:space="preserve"> {text}</w:t></w:r></w:p><w:bookmarkEnd w:id="0"/>'
    )
    body = etree.fromstring(
        f"<w:body {w}>{toc}"
        + head.format(name="a&amp;b", n=1, num="1", text="Ziele &amp; &lt;Wege&gt;")
        + head.format(name="zitat-&quot;x&quot;", n=2, num="1.1", text="„Fair“ &amp; 'klar'")
        + head.format(name="tief", n=3, num="1.1.1", text="Zu tief")
        + "</w:body>"
    )
    docxfront.fill_toc(body, docxpages.Book(None, None))
    lines = [p for p in body.iter(q("p")) if style_of(p).startswith("TOC")]
    assert [text_of(p).rsplit("\t", 1)[0] for p in lines] == [
        "1\tZiele & <Wege>",
        "1.1\t„Fair“ & 'klar'",
    ]
    anchors = [p.find(f".//{q('hyperlink')}").get(q("anchor")) for p in lines]
    assert anchors == ["a&b", 'zitat-"x"']
    refs = [e.text for p in lines for e in p.iter(q("instrText")) if "PAGEREF" in e.text]
    assert refs == [" PAGEREF a&b \\h ", ' PAGEREF zitat-"x" \\h ']
    assert all(text_of(p).rsplit("\t", 1)[1].isdigit() for p in lines)  # the page numbers


# -- through LibreOffice -------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("slug", [SAMPLE_FS, SAMPLE_SN])
def test_docx_pages_in_libreoffice(as_pages, rendered_samples, slug) -> None:
    pages = as_pages[slug]
    title = " ".join(pages[0].split())
    assert "Stand" in title and "Version" in title and "Inhalt" not in title
    assert re.search(r"Seite 1 von \d+", title) and "LaFaSt" in title
    toc_pages = [i for i, p in enumerate(pages) if re.search(r"^\s*Inhalt\s*$", p, re.M)]
    assert toc_pages == [1]
    entries = re.findall(r"^\s*(\d+(?:\.\d+)?)\s+(\S.*?)\s*\.{3,}\s*(\d+)\s*$", pages[1], re.M)
    assert len(entries) > 5
    for number, text, _page in entries:
        found = [
            i + 1
            for i, p in enumerate(pages)
            if i > 1 and re.search(rf"^\s*{re.escape(number)}\s+{re.escape(text[:25])}", p, re.M)
        ]
        assert found, (number, text)
    body = "\n".join(pages[2:])
    # no Randnummer directly after a list number ("1. 8 Er sichert …")
    assert not re.search(r"^\s*(\d+\.|[a-z]\)|•)\s+\d+\s+\S", body, re.M)


@pytest.mark.slow
def test_docx_table_words_whole_in_libreoffice(as_pages, rendered_samples) -> None:
    """Every word of every table cell stands whole on one line of the page (or is hyphenated)."""
    path = rendered_samples[SAMPLE_FS]["docx"]
    body = part(path, "word/document.xml").find(q("body"))
    words = {
        w.strip('.,;:()„“"')
        for tbl in body.iter(q("tbl"))
        for tc in tbl.iter(q("tc"))
        for w in text_of(tc).split()
    }
    text = re.sub(r"-\n\s*", "", "\n".join(as_pages[SAMPLE_FS]))
    tokens = set(re.findall(r"[\w*]+", text))
    missing = [w for w in words if len(w) > 3 and re.fullmatch(r"[\w*]+", w) and w not in tokens]
    assert missing == []


def toc_entries(path: Path) -> list[tuple[str, str, int]]:
    """(section number, title, page number) of every entry of the DOCX's filled TOC."""
    body = part(path, "word/document.xml").find(q("body"))
    out = []
    for p in body.iter(q("p")):
        if re.fullmatch(r"TOC\d", style_of(p)):
            *head, page = text_of(p).split("\t")
            number, title = (head[0], head[1]) if len(head) > 1 else ("", head[0])
            out.append((number, " ".join(title.split()), int(page)))
    return out


def heading_pages(pages: list[str], entries: list[tuple[str, str, int]]) -> list[int | None]:
    """The page (1-based) where LibreOffice set each entry's heading: found in order after the
    TOC, as a line starting with its number and the start of its title."""
    lines = [[" ".join(line.split()) for line in page.splitlines()] for page in pages]
    toc_end = max(i for i, page in enumerate(pages) if re.search(r"\.{5,}\s*\d+\s*$", page, re.M))
    at, out = toc_end + 1, []
    for number, title, _page in entries:
        key = f"{number} {title}".strip()[:30]
        found = next(
            (i for i in range(at, len(pages)) if any(x.startswith(key) for x in lines[i])), None
        )
        out.append(None if found is None else found + 1)
        at = found if found is not None else at
    return out


@pytest.mark.slow
@pytest.mark.parametrize("slug", [SAMPLE_FS, SAMPLE_SN])
def test_toc_page_numbers_are_libreoffices(as_pages, rendered_samples, slug) -> None:
    """Every TOC entry names the page LibreOffice sets its heading on (the sample Fachstandard:
    83 entries, 40 pages; lafast computes them without LibreOffice)."""
    entries = toc_entries(rendered_samples[slug]["docx"])
    assert len(entries) > (60 if slug == SAMPLE_FS else 5)
    found = heading_pages(as_pages[slug], entries)
    assert None not in found, [e for e, f in zip(entries, found, strict=True) if f is None]
    wrong = [(e, f) for e, f in zip(entries, found, strict=True) if e[2] != f]
    assert wrong == []
