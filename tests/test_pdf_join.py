"""The front matter laid out and written by a second process while the first writes the text,
joined with pikepdf (render/pdfjoin.py): the same PDF as WeasyPrint's own one-piece layout,
page by page (poppler's pdftotext), in its bookmarks, named destinations, links and structure
tree, and PDF/UA-1 by veraPDF."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from lafast_docs.errors import RenderError, UnsafeContent
from lafast_docs.external import resources
from lafast_docs.render import pdf, pdffront, pdfjoin

from .conftest import assert_pdf_ua1, write_draft_body
from .test_pdf_front import lafast_pdf, one_piece, own_cache, pages_text, print_page, small

__all__ = ["own_cache", "small"]  # fixtures used here

USER_CACHE = os.environ.get("XDG_CACHE_HOME")  # where veraPDF was set up (own_cache moves it)


@pytest.fixture
def joins(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of front pages of each join (pdfjoin runs in this process); two cores, as
    on the machines this is for."""
    monkeypatch.setenv("LAFAST_WORKERS", "2")
    seen: list[int] = []
    real = pdfjoin.join

    def counted(doc: Any, before: list[bytes], stand_ins: Any, outline: Any) -> None:
        with pikepdf.open(io.BytesIO(before[0])) as front:
            seen.append(len(front.pages))
        real(doc, before, stand_ins, outline)

    monkeypatch.setattr(pdfjoin, "join", counted)
    return seen


def outline(doc: pikepdf.Pdf) -> list[tuple[int, str, int]]:
    """(depth, title, page index) of every bookmark, in order."""
    found: list[tuple[int, str, int]] = []

    def walk(items: Any, depth: int) -> None:
        for item in items:
            page = pikepdf.Page(item.destination[0])
            found.append((depth, item.title, doc.pages.index(page)))
            walk(item.children, depth + 1)

    with doc.open_outline() as tree:
        walk(tree.root, 0)
    return found


def destinations(doc: pikepdf.Pdf) -> dict[str, tuple[int, float]]:
    """Named destination -> (page index, y)."""
    tree = pikepdf.NameTree(doc.Root.Names.Dests)
    return {
        name: (doc.pages.index(pikepdf.Page(dest[0])), round(float(dest[3]), 1))
        for name, dest in tree.items()
    }


def structure(doc: pikepdf.Pdf) -> list[tuple[Any, ...]]:
    """The structure tree in reading order: type, depth, page index, marked content ids."""
    pages = {page.obj.objgen: i for i, page in enumerate(doc.pages)}
    found: list[tuple[Any, ...]] = []

    def walk(element: Any, depth: int) -> None:
        kids = element.get("/K")
        if kids is None:
            return
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if not isinstance(kid, pikepdf.Dictionary):
                found.append((depth, "MCID", int(kid)))
            elif kid.get("/Type") == "/OBJR":
                found.append((depth, "OBJR", pages.get(kid.Pg.objgen)))
            else:
                page = pages.get(kid.Pg.objgen) if "/Pg" in kid else None
                found.append((depth, str(kid.S), page, str(kid.get("/Alt", ""))))
                walk(kid, depth + 1)

    walk(doc.Root.StructTreeRoot, 0)
    return found


def links_are_their_elements(doc: pikepdf.Pdf) -> int:
    """Every link annotation is the object of the Link element its /StructParent names, and
    every marked content of a page belongs to an element on that page. Gives the link count."""
    nums = doc.Root.StructTreeRoot.ParentTree.Nums
    parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    links = 0
    for page in doc.pages:
        for element in parents[int(page.obj.StructParents)]:
            assert element.Pg.objgen == page.obj.objgen
        for annot in page.obj.get("/Annots", []):
            element = parents[int(annot.StructParent)]
            kids = element.K if isinstance(element.K, pikepdf.Array) else [element.K]
            assert element.S == "/Link"
            assert any(isinstance(k, pikepdf.Dictionary) and k.get("/Obj") == annot for k in kids)
            links += 1
    return links


def test_the_joined_pdf_is_weasyprints_one_piece(small, joins, tmp_path, monkeypatch) -> None:
    ws, page, folder = small
    reference = one_piece(page, folder, ws)  # WeasyPrint alone, contents by target-counter
    ours = lafast_pdf(ws, page, folder)
    assert joins == [2]  # title page and contents beside the text, then joined
    assert pages_text(ours, tmp_path, "lafast") == pages_text(reference, tmp_path, "ein-stueck")
    path = tmp_path / "lafast.pdf"
    with pikepdf.open(path) as got, pikepdf.open(tmp_path / "ein-stueck.pdf") as want:
        assert len(got.pages) == len(want.pages) > 5
        assert outline(got) == outline(want)
        assert outline(got)[0][0] == 0 and outline(got)[1][0] == 1  # chapters under the title
        assert destinations(got) == destinations(want)
        assert structure(got) == structure(want)
        assert links_are_their_elements(got) == links_are_their_elements(want) > 50
        for annot in got.pages[1].obj.Annots:  # the contents' links name the text's headings
            target = destinations(got)[str(annot.Dest)]
            assert target[0] >= 2
        assert got.Root.Lang == want.Root.Lang and "/Metadata" in got.Root
    if USER_CACHE is None:
        monkeypatch.delenv("XDG_CACHE_HOME")
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", USER_CACHE)
    assert_pdf_ua1(path)


def test_without_a_second_core_the_same_pdf_in_one_process(small, joins, tmp_path, monkeypatch):
    ws, page, folder = small
    beside = pages_text(lafast_pdf(ws, page, folder), tmp_path, "beside")
    monkeypatch.setenv("LAFAST_WORKERS", "1")
    alone = pages_text(lafast_pdf(ws, page, folder), tmp_path, "allein")
    assert joins == [2] and alone == beside


def dying_elsewhere(ws: Any, folder: Path) -> tuple[Any, Any]:
    """WeasyPrint's layout and write for `pdffront.lay_out`, the layout killing any forked
    process that calls it (gone without a word)."""
    import weasyprint

    me = os.getpid()
    roots = [folder, *resources.template_dirs(ws, "fachstandard")]

    def layout(html: str) -> Any:
        if os.getpid() != me:
            os._exit(3)
        return weasyprint.HTML(
            string=html, base_url=roots[1].as_uri() + "/", url_fetcher=pdf.safe_fetcher(roots)
        ).render(pdf_variant="pdf/ua-1")

    def write(doc: Any) -> bytes:
        return doc.write_pdf(pdf_variant="pdf/ua-1")

    return layout, write


def test_if_the_front_process_dies_this_one_lays_the_front_out(small, tmp_path) -> None:
    ws, page, folder = small
    parts = pdffront.split(page)
    assert parts is not None
    layout, write = dying_elsewhere(ws, folder)
    logs: tuple[list[str], list[str]] = ([], [])
    result = pdffront.lay_out(parts, layout, 2, write, logs)
    assert result is not None and isinstance(result[0], bytes) and result[1] == 2
    reference = one_piece(page, folder, ws)
    assert pages_text(result[0], tmp_path, "allein") == pages_text(reference, tmp_path, "ref")


@pytest.fixture
def logo_outside(small, tmp_path):
    ws = small[0]
    secret = tmp_path / "geheim.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n" + b"kein Bild" * 20)
    return ws, secret


def test_a_refusal_on_the_title_page_comes_back_from_the_front_process(logo_outside) -> None:
    ws, secret = logo_outside
    logo = ws.root / "templates" / "common" / "logo.png"
    logo.parent.mkdir(parents=True, exist_ok=True)
    logo.symlink_to(secret)
    page, folder = print_page(ws, "kurz")
    assert "logo.png" in page.split(pdffront.TEXT_START)[0]
    with pytest.raises(UnsafeContent, match="außerhalb der erlaubten Ordner"):
        lafast_pdf(ws, page, folder)


def test_an_image_error_on_the_title_page_comes_back_from_the_front_process(small) -> None:
    ws = small[0]
    logo = ws.root / "templates" / "common" / "logo.png"
    logo.parent.mkdir(parents=True, exist_ok=True)
    logo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"kaputt" * 20)
    page, folder = print_page(ws, "kurz")
    with pytest.raises(RenderError, match=r"Bild .*logo\.png lässt sich nicht laden"):
        lafast_pdf(ws, page, folder)


def test_a_front_matter_of_another_length_lays_the_text_out_again(small, joins, tmp_path):
    """The kept count says 1 front page, there are 2: the forked process says so, the text is
    laid out again behind 2 pages, and the joined PDF is right."""
    ws, page, folder = small
    parts = pdffront.split(page)
    assert parts is not None
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "lafast-docs" / "vorspann"
    cache.mkdir(parents=True, exist_ok=True)
    (cache / parts.key()).write_text("1")
    got = pages_text(lafast_pdf(ws, page, folder), tmp_path, "neu")
    assert joins == [2]
    assert got == pages_text(one_piece(page, folder, ws), tmp_path, "ref")


def test_pdfs_made_at_the_same_time_keep_to_a_core_each(small, joins) -> None:
    """`render --all`: each PDF already has a core; none takes a second one for itself."""
    from lafast_docs.outputs.document import render, render_many

    ws = small[0]
    write_draft_body(ws, "zweites", "# Eins\n\nText.\n\n# Zwei\n\nMehr Text.\n")
    render_many(ws, ["kurz", "zweites"], formats=("pdf",))
    assert joins == []  # both laid out in one process each
    render(ws, "kurz", formats=("pdf",), force=True)
    assert joins == [2]  # alone: the front matter beside
