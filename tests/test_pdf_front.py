"""The front matter laid out after the text (render/pdffront.py): the same PDF as WeasyPrint's
own one-piece layout with `target-counter()`, checked page by page with poppler's pdftotext."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from lafast_docs.render import html, pdf, pdffront
from lafast_docs.render.context import document_context, edition_of
from lafast_docs.text.analysis import analyse
from lafast_docs.text.drafts import load_draft

from .conftest import SAMPLE_FS, write_draft_body


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "lafast-docs" / "vorspann"


def print_page(ws, slug: str) -> tuple[str, Path]:
    draft = load_draft(ws, slug)
    ctx = document_context(ws, draft, edition_of(ws, draft))
    return html.page(ws, analyse(draft), ctx, html.PRINT), draft.folder


def pages_text(data: bytes, tmp: Path, name: str) -> list[str]:
    path = tmp / f"{name}.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return out.split("\f")


def one_piece(page: str, folder: Path, ws) -> bytes:
    """WeasyPrint's own layout of the whole page (contents by target-counter)."""
    import weasyprint

    from lafast_docs.external import resources

    roots = [folder, *resources.template_dirs(ws, "fachstandard")]
    doc = weasyprint.HTML(
        string=page,
        base_url=roots[1].as_uri() + "/",
        url_fetcher=pdf.safe_fetcher(roots),
    )
    return doc.write_pdf(pdf_variant="pdf/ua-1")


def lafast_pdf(ws, page: str, folder: Path) -> bytes:
    return pdf.page_bytes(ws, "fachstandard", page, extra_roots=(folder,))


@pytest.fixture
def sample(rendered_samples):
    """The sample Fachstandard as lafast rendered it, its print page and WeasyPrint's own
    one-piece PDF of that page."""
    from lafast_docs.workspace import find_workspace

    rendered = rendered_samples[SAMPLE_FS]["pdf"]
    ws = find_workspace(explicit=rendered.parents[2])
    page, folder = print_page(ws, SAMPLE_FS)
    return ws, page, rendered.read_bytes(), one_piece(page, folder, ws)


@pytest.fixture
def small(ws):
    """A short Fachstandard whose contents fill more than a page."""
    chapters = "".join(
        f"# Kapitel {i}\n\nText zu Kapitel {i}.\n\n## Abschnitt {i}.1\n\nMehr Text.\n\n"
        for i in range(1, 31)
    )
    write_draft_body(ws, "kurz", chapters)
    page, folder = print_page(ws, "kurz")
    return ws, page, folder


def test_front_matter_after_the_text_gives_weasyprints_own_pages(sample, tmp_path) -> None:
    _, page, ours, reference = sample
    assert pdffront.split(page) is not None
    expected = pages_text(reference, tmp_path, "ein-stueck")
    got = pages_text(ours, tmp_path, "lafast")
    assert len(got) == len(expected) > 15
    assert got == expected  # every page, contents numbers and "Seite n von N" included
    # the contents really carry numbers, and each is the page its heading is on
    toc = "\n".join(got[:3])
    entries = re.findall(r"^\s*(\d+(?:\.\d+)?)\s{2,}(\S.*?)\s{2,}(\d+)\s*$", toc, re.M)
    assert len(entries) > 30
    for number, title, on_page in entries[:40]:
        heading_page = got[int(on_page) - 1]
        assert re.search(rf"^\s*{re.escape(number)}\s+{re.escape(title[:25])}", heading_page, re.M)


def test_the_front_page_count_is_kept_and_a_wrong_one_corrected(small, tmp_path, own_cache) -> None:
    ws, page, folder = small
    parts = pdffront.split(page)
    assert parts is not None
    expected = pages_text(one_piece(page, folder, ws), tmp_path, "ein-stueck")
    assert pages_text(lafast_pdf(ws, page, folder), tmp_path, "erst") == expected
    front = pdffront.known_pages(parts)  # kept: the text begins behind the front pages
    assert front == 2 and re.search(r"^\s*1\s+Kapitel 1\s*$", expected[front], re.M)
    assert "Inhalt" in expected[0] and "30.1" in expected[1] and "30.1" not in expected[2]
    for wrong in ("1", "4"):
        own_cache.mkdir(parents=True, exist_ok=True)
        (own_cache / parts.key()).write_text(wrong)
        assert pdffront.known_pages(parts) == int(wrong)
        got = pages_text(lafast_pdf(ws, page, folder), tmp_path, f"falsch-{wrong}")
        assert got == expected
        assert (own_cache / parts.key()).read_text() != wrong  # corrected


@pytest.mark.parametrize("junk", ["", "abc", "0", "-3", "99999", "2\x00"])
def test_a_kept_count_that_makes_no_sense_is_ignored(small, own_cache, junk) -> None:
    parts = pdffront.split(small[1])
    assert parts is not None
    own_cache.mkdir(parents=True, exist_ok=True)
    (own_cache / parts.key()).write_text(junk)
    assert pdffront.known_pages(parts) is None


def test_pages_that_cannot_be_cut_are_laid_out_in_one_piece(small) -> None:
    page = small[1]
    assert pdffront.split(page.replace('<nav class="inhalt"', '<nav class="x"')) is None
    assert pdffront.split(page.replace(pdffront.TEXT_START, "<main>")) is None
    other = page.replace("</style>", "h2::after { content: target-text(attr(id)); }</style>", 1)
    assert pdffront.split(other) is None


def test_a_draft_cannot_move_the_cut(ws, tmp_path) -> None:
    """An HTML comment in the draft (allowed) holding the text's start tag: the cut stays where
    the template put it, and the comment stays in the text."""
    write_draft_body(
        ws,
        "schnitt",
        '# Eins\n\nText eins.\n\n<!-- <main class="text"> -->\n\n# Zwei\n\nText zwei.\n',
    )
    page, _ = print_page(ws, "schnitt")
    parts = pdffront.split(page)
    assert parts is not None
    assert parts.text.startswith(pdffront.TEXT_START)
    assert "Text eins." in parts.text and "Text eins." not in parts.front


def test_only_the_stylesheet_is_rewritten_not_the_title(small) -> None:
    page = small[1]
    odd = "Test counter(pages) und target-counter(attr(href url), page)"
    assert "<title>Test kurz</title>" in page
    parts = pdffront.split(page.replace("<title>Test kurz</title>", f"<title>{odd}</title>"))
    assert parts is not None
    front = parts.front_page({}, 9)
    assert f"<title>{odd}</title>" in front
    assert "attr(data-seite)" in front and '" von " "9"' in front
    assert (
        pdffront.split(page.replace("</head>", '<link rel="stylesheet" href="x.css"></head>'))
        is None
    )


def test_only_the_newest_front_page_counts_are_kept(small, own_cache) -> None:
    import os

    parts = pdffront.split(small[1])
    assert parts is not None
    own_cache.mkdir(parents=True)
    for i in range(pdffront.KEEP_AT_MOST):
        old = own_cache / f"{i:064x}"
        old.write_text("2")
        os.utime(old, (1_000_000 + i, 1_000_000 + i))
    pdffront.keep_pages(parts, 2)
    left = {f.name for f in own_cache.iterdir()}
    assert len(left) == pdffront.KEEP_AT_MOST // 2 and parts.key() in left
    assert f"{pdffront.KEEP_AT_MOST - 1:064x}" in left and f"{0:064x}" not in left
