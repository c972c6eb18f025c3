"""The text laid out in two halves by two processes at a checked seam (render/pdfsplit.py),
joined with the front matter (render/pdfjoin.py): the same PDF as WeasyPrint's own one-piece
layout, page by page (poppler's pdftotext), in bookmarks, named destinations, links and
structure tree, PDF/UA-1 by veraPDF; a seam that does not hold is dropped."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from lafast_docs.render import pdffront, pdfjoin, pdfsplit

from .conftest import SAMPLE_FS, assert_pdf_ua1
from .test_pdf_front import lafast_pdf, one_piece, pages_text, print_page
from .test_pdf_join import (
    destinations,
    dying_elsewhere,
    links_are_their_elements,
    outline,
    structure,
)

USER_CACHE = os.environ.get("XDG_CACHE_HOME")


@pytest.fixture(scope="module")
def sample(rendered_samples, tmp_path_factory):
    """The sample Fachstandard's print page, WeasyPrint's own one-piece PDF of it, and the seam
    lafast keeps after laying it out in one piece."""
    from lafast_docs.workspace import find_workspace

    ws = find_workspace(explicit=rendered_samples[SAMPLE_FS]["pdf"].parents[2])
    page, folder = print_page(ws, SAMPLE_FS)
    tmp = tmp_path_factory.mktemp("halves")
    reference = one_piece(page, folder, ws)
    (tmp / "ref.pdf").write_bytes(reference)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(tmp / "cache"))
        mp.setenv("LAFAST_WORKERS", "2")
        lafast_pdf(ws, page, folder)  # in one piece: keeps the seam
        parts = pdffront.split(page)
        assert parts is not None
        seam = pdfsplit.kept(parts.head)
    assert seam is not None
    return ws, page, folder, tmp / "ref.pdf", pages_text(reference, tmp, "ref"), seam


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("LAFAST_WORKERS", "2")
    return tmp_path / "cache" / "lafast-docs" / "naht"


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[int]]:
    """Seams tried (second halves started in the render's child are not seen here: the child
    tells by the join) and the number of parts of each join."""
    seen: dict[str, list[int]] = {"joined": []}
    real = pdfjoin.join

    def counted(doc: Any, before: list[bytes], stand_ins: Any, tree: Any) -> None:
        seen["joined"].append(len(before) + 1)
        real(doc, before, stand_ins, tree)

    monkeypatch.setattr(pdfjoin, "join", counted)
    return seen


def keep_seam(cache: Path, page: str, seam: pdfsplit.Seam | dict[str, Any] | str) -> None:
    parts = pdffront.split(page)
    assert parts is not None
    target = pdfsplit.kept_path(parts.head)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = seam if isinstance(seam, str) else json.dumps(getattr(seam, "__dict__", seam))
    target.write_text(text)


def test_the_text_in_two_halves_is_weasyprints_one_piece(sample, cache, calls, monkeypatch):
    ws, page, folder, reference, expected, seam = sample
    assert 8 < seam.page < seam.total - 8  # near the middle of a 30-page text
    keep_seam(cache, page, seam)
    ours = lafast_pdf(ws, page, folder)
    assert calls["joined"] == [3]  # front matter, first half, second half
    path = reference.parent / "halves.pdf"
    assert pages_text(ours, reference.parent, "halves") == expected
    with pikepdf.open(path) as got, pikepdf.open(reference) as want:
        assert len(got.pages) == len(want.pages) == seam.total
        assert outline(got) == outline(want)
        assert destinations(got) == destinations(want)
        assert structure(got) == structure(want)
        assert links_are_their_elements(got) == links_are_their_elements(want) > 100
    # footnotes before the seam: the second half's numbers (equal above) go on counting
    parts = pdffront.split(page)
    assert parts is not None
    blocks = pdfsplit.cut(parts.text, parts.css)
    assert blocks is not None and blocks.notes[seam.block] > 0
    assert f"\n{blocks.notes[seam.block] + 1}." in "\n".join(expected[seam.page :]).replace(" ", "")
    if USER_CACHE is None:
        monkeypatch.delenv("XDG_CACHE_HOME")
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", USER_CACHE)
    assert_pdf_ua1(path)


@pytest.mark.parametrize(
    ("wrong", "parts"),
    [
        # the text before the seam changed: the first half's own pages give a seam that holds
        ({"page": +1}, 3),  # the block begins a page, but another one
        ({"block": +1}, 3),  # a block that does not begin a page
        # the number of pages changed: laid out in one piece, the front matter beside
        ({"total": +1}, 2),
    ],
)
def test_a_seam_that_does_not_hold_is_not_used(sample, cache, calls, wrong, parts, tmp_path):
    ws, page, folder, _, expected, seam = sample
    moved = {key: getattr(seam, key) + wrong.get(key, 0) for key in ("block", "page", "total")}
    keep_seam(cache, page, moved)
    got = pages_text(lafast_pdf(ws, page, folder), tmp_path, "falsch")
    assert got == expected
    assert calls["joined"] == [parts]
    split = pdffront.split(page)
    assert split is not None
    kept = pdfsplit.kept(split.head)
    assert kept is not None and kept != pdfsplit.Seam(**moved)
    if parts == 2:
        assert kept == seam  # from the one-piece layout
    again = pages_text(lafast_pdf(ws, page, folder), tmp_path, "wieder")  # the kept one holds
    assert again == expected and calls["joined"] == [parts, 3]
    assert pdfsplit.kept(split.head) == kept


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "{}",
        "[1, 2, 3]",
        '{"block": "x", "page": 3, "total": 9}',
        '{"block": 0, "page": 3, "total": 9}',
        '{"block": 4, "page": 9, "total": 9}',
        '{"block": 4, "page": 3, "total": 10000000}',
    ],
)
def test_a_kept_seam_that_makes_no_sense_is_ignored(cache, junk) -> None:
    head = "<html><head><style>p {}</style></head><body>"
    target = pdfsplit.kept_path(head)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(junk)
    assert pdfsplit.kept(head) is None


def test_if_the_second_half_dies_the_text_is_laid_out_in_one_piece(sample, cache, tmp_path):
    ws, page, folder, _, expected, seam = sample
    keep_seam(cache, page, seam)
    parts = pdffront.split(page)
    assert parts is not None
    layout, write = dying_elsewhere(ws, folder)  # the second half and the front's process
    result = pdffront.lay_out(parts, layout, None, write, ([], []))
    assert result is not None and isinstance(result[0], bytes)
    assert pages_text(result[0], tmp_path, "allein") == expected


def test_the_blocks_are_those_weasyprint_sees(sample) -> None:
    page = sample[1]
    parts = pdffront.split(page)
    assert parts is not None
    blocks = pdfsplit.cut(parts.text, parts.css)
    assert blocks is not None and len(blocks.starts) > 50
    assert all(parts.text[s] == "<" for s in blocks.starts)
    assert parts.text[blocks.end :].startswith("</main>")
    assert blocks.notes[-1] == parts.text.count('<span class="footnote">') > 0
    assert pdfsplit.cut(parts.text.replace("</main>", "", 1), parts.css) is None


@pytest.mark.parametrize(
    "extra",
    [
        "h2 { string-set: kapitel content(); }",  # a running head would miss the first half's
        "h2 { counter-increment: kapitel; }",  # an own counter would start again
        "h2::before { content: counter(kapitel); }",
        "p::before { content: counters(x, '.'); }",
        "main > p:first-child { color: red; }",  # the seam block becomes a first child
        "h2 + p { margin-top: 0; }",
        "h3 ~ p { color: red; }",
        "p:nth-of-type(2n) { color: red; }",
        ".x { position: running(kopf); }",
    ],
)
def test_a_stylesheet_that_carries_something_over_is_not_cut(sample, extra) -> None:
    parts = pdffront.split(sample[1])
    assert parts is not None
    assert pdfsplit.splittable(parts.css)  # the built-in look
    assert pdfsplit.splittable(parts.css + "p { margin: calc(1em + 2px); }")
    assert not pdfsplit.splittable(parts.css + extra)
    assert pdfsplit.cut(parts.text, parts.css + extra) is None
