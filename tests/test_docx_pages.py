"""The DOCX page layout behind the filled table of contents (`render/docxpages.py`).

The comparison with LibreOffice's own layout of the samples is in `test_docx_layout.py`
(`test_toc_page_numbers_are_libreoffices`); here the rules one by one, on small bodies set
with the Fachstandard's reference document's styles.
"""

from __future__ import annotations

import json
import runpy
import zipfile
from pathlib import Path

import pytest

from lafast_docs.external import resources
from lafast_docs.render import docxpages
from lafast_docs.render.docxxml import parse, q

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
SECT = (
    '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1417" w:right="1417" '
    'w:bottom="1417" w:left="1701" w:header="709" w:footer="709" w:gutter="0"/></w:sectPr>'
)
WORDS = "Die Fachkräfte beraten geflüchtete Menschen in allen Fragen des Alltags. " * 6


def make_book(notes: bytes | None = None) -> docxpages.Book:
    reference = resources.builtin_templates() / "fachstandard" / "reference.docx"
    with zipfile.ZipFile(reference) as z:
        return docxpages.Book(z.read("word/styles.xml"), notes)


@pytest.fixture(scope="module")
def book() -> docxpages.Book:
    return make_book()


def para(text: str, style: str = "BodyText", *, name: str = "", extra: str = "") -> str:
    mark = f'<w:bookmarkStart w:id="1" w:name="{name}"/>' if name else ""
    return (
        f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{extra}</w:pPr>{mark}'
        f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'
    )


def pages(book: docxpages.Book, *paras: str) -> dict[str, int]:
    body = parse(f"<w:body {W}>{''.join(paras)}{SECT}</w:body>".encode()).find(".")
    return docxpages.page_numbers(book, body)


def test_lines_by_font_metrics(book) -> None:
    """Body text: 10.5 pt DejaVu Sans at 130 % line spacing, lines of 318 twips (15.9 pt, as
    LibreOffice sets them); the line count follows the width."""
    p = parse(f"<w:body {W}>{para(WORDS)}</w:body>".encode()).find(q("p"))
    laid = book.para(p, 8787)
    assert [line.height for line in laid.lines] == [318] * len(laid.lines)
    assert 5 <= len(laid.lines) <= 7  # 438 characters at ~75 a line
    narrow = book.para(p, 4000)
    assert len(narrow.lines) > 2 * len(laid.lines) - 2


def test_heading_kept_with_the_next_paragraph(book) -> None:
    """A heading that would end a page goes onto the next one with its paragraph."""
    # 30 one-line paragraphs take 13020 of the page's 14024 twips: the heading (16 pt before,
    # 17.35 pt high) would fit, but not with the first two lines of what follows it
    fill = [para("Zeile") for _ in range(30)]
    found = pages(book, *fill, para("Neu", "Heading2", name="h"), para(WORDS))
    assert found == {"h": 2}
    found = pages(book, *fill[:25], para("Neu", "Heading2", name="h"), para(WORDS))
    assert found == {"h": 1}


def test_page_break_by_hand(book) -> None:
    brk = "<w:pageBreakBefore/>"
    found = pages(book, para("a", name="a"), para("b", extra=brk, name="b"), para("c", name="c"))
    assert found == {"a": 1, "b": 2, "c": 2}


def test_no_widow_or_orphan(book) -> None:
    """A four-line paragraph of which three lines would fit at the foot of the page: two stay,
    two go on (LibreOffice's widow and orphan control, two lines each)."""
    body = parse(f"<w:body {W}>{SECT}</w:body>".encode())
    pager = docxpages.Pager(docxpages.page_of(body), {})

    def laid(xml: str) -> docxpages.Para:
        return book.para(parse(f"<w:body {W}>{xml}</w:body>".encode()).find(q("p")), 8787)

    for _ in range(39):  # 39 one-line list paragraphs: 12986 twips
        pager.para(laid(para("Punkt", "Compact")), [])
    four = laid(para(WORDS[:300]))
    assert len(four.lines) == 4
    pager.para(four, [])
    assert (pager.page, pager.y) == (2, 2 * 318)


def test_footnotes_take_the_foot_of_the_page(book) -> None:
    notes = (
        f'<w:footnotes {W}><w:footnote w:id="5">'
        + para("Anmerkung " * 200, "FootnoteText")
        + "</w:footnote></w:footnotes>"
    ).encode()
    ref = para(WORDS).replace("</w:p>", '<w:r><w:footnoteReference w:id="5"/></w:r></w:p>')
    fill = [para("Zeile") for _ in range(20)]
    without = pages(book, *fill, para(WORDS), para("x", "Heading2", name="h"), para(WORDS))
    with_note = pages(make_book(notes), *fill, ref, para("x", "Heading2", name="h"), para(WORDS))
    assert without == {"h": 1} and with_note == {"h": 2}


def test_font_metrics_match_the_font_files(tmp_path) -> None:
    """`fontmetrics.json` is what `scripts/make_font_metrics.py` writes from the installed
    DejaVu fonts (the faces LibreOffice sets the DOCX in)."""
    from tests.checkers import need

    need("fonts-dejavu-core", "fonts-dejavu-extra")
    script = Path(__file__).resolve().parent.parent / "scripts" / "make_font_metrics.py"
    shipped = resources.builtin_templates() / "common" / "fontmetrics.json"
    out = tmp_path / "fontmetrics.json"
    runpy.run_path(str(script))["main"](out=out)
    assert json.loads(out.read_text("utf-8")) == json.loads(shipped.read_text("utf-8"))


def memo_layout(memo: Path, body: list[str]) -> dict[str, int]:
    """The pages of `body` laid out with the reference document's styles, kept in `memo`."""
    with zipfile.ZipFile(resources.builtin_templates() / "fachstandard" / "reference.docx") as z:
        b = docxpages.Book(z.read("word/styles.xml"), None, memo=memo)
    xml = f"<w:body {W}>{''.join(body)}{SECT}</w:body>".encode()
    return docxpages.page_numbers(b, parse(xml))


def test_lines_kept_between_renders(book, tmp_path) -> None:
    """The lines of each paragraph are kept in a file: a second layout reads them and finds the
    same pages; a damaged file is ignored; only the last layout's paragraphs stay."""
    memo = tmp_path / "zeilen" / "x.json"
    body = [para("Zeile") for _ in range(30)] + [para("Neu", "Heading2", name="h"), para(WORDS)]

    def layout() -> dict[str, int]:
        return memo_layout(memo, body)

    assert layout() == {"h": 2}
    kept = json.loads(memo.read_text("utf-8"))
    assert len(kept) == 3  # "Zeile", the heading, the paragraph: each once
    assert layout() == {"h": 2}
    memo.write_text("{kaputt", "utf-8")
    assert layout() == {"h": 2}
    body[-1] = para("Anders")  # one line: the heading still cannot take two lines with it
    assert layout() == {"h": 2}
    assert len(json.loads(memo.read_text("utf-8"))) == 3  # the long paragraph's entry is gone
    del body[:10]
    assert layout() == {"h": 1}


def test_pages_of_an_unchanged_body_kept(book, tmp_path) -> None:
    """The pages of the last whole layout are kept by the body's XML: the same body is not laid
    out again (its lines are not even looked up); another body, or a damaged file, is."""
    memo = tmp_path / "zeilen" / "x.json"
    body = [para("Zeile") for _ in range(30)] + [para("Neu", "Heading2", name="h"), para(WORDS)]

    def layout() -> dict[str, int]:
        return memo_layout(memo, body)

    pages_file = memo.with_suffix(".seiten.json")
    assert layout() == {"h": 2}
    assert pages_file.is_file()
    memo.unlink()
    assert layout() == {"h": 2}
    assert not memo.exists()  # not laid out: the kept pages were used
    for damage in ("{kaputt", '{"key": 1}', '{"key": "x", "pages": []}'):
        pages_file.write_text(damage, "utf-8")
        assert layout() == {"h": 2}
        assert memo.is_file()  # laid out again
    del body[:10]
    assert layout() == {"h": 1}
    assert json.loads(pages_file.read_text("utf-8"))["pages"] == {"h": 1}
