"""Several documents at once on both cores (issue #19): `render --all` and final versions of
several documents. The same text as one document after the other, files written in a fixed
order, and after a failure exactly what the one-after-the-other run leaves."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from lafast_docs.cli import cli
from lafast_docs.errors import UnsafeContent
from lafast_docs.outputs.document import render_many
from lafast_docs.release.final import render_final, render_finals
from lafast_docs.release.signoff import sign_off
from lafast_docs.workspace import Workspace

from .conftest import copy_samples, pdf_text
from .test_signoff import unsigned

DRAFT = """---
type: stellungnahme
title: "{title}"
version: "1.0"
---

# Anlass

{text}

# Bewertung

Die Unterbringung in Gemeinschaftsunterkünften soll sechs Monate nicht überschreiten.
Beratung muss in allen Unterkünften erreichbar sein.[^1]

[^1]: Vgl. die Mindeststandards der Landesfachstelle.
"""
SLUGS = ["erste-stellungnahme", "zweite-stellungnahme"]


@pytest.fixture(scope="module")
def two_docs(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    from lafast_docs.workspace.create import init_workspace

    ws = unsigned(copy_samples(init_workspace(tmp_path_factory.mktemp("zwei") / "ws")))
    for n, slug in enumerate(SLUGS, start=1):
        folder = ws.drafts_dir / slug
        folder.mkdir(parents=True)
        text = f"Stellungnahme Nummer {n} zum Entwurf der Verordnung. " * 20
        (folder / "document.md").write_text(DRAFT.format(title=f"Stellungnahme {n}", text=text))
    ws.store.commit([ws.drafts_dir], "Zwei Stellungnahmen")
    for slug in SLUGS:
        sign_off(ws, slug, "leitung")
    return ws


def _texts(paths: list[Path]) -> dict[str, str]:
    texts = {}
    for path in paths:
        if path.suffix == ".pdf":
            texts[path.name] = pdf_text(path)
        elif path.suffix == ".docx":
            with zipfile.ZipFile(path) as z:
                texts[path.name] = z.read("word/document.xml").decode("utf-8")
        else:
            texts[path.name] = path.read_text("utf-8")
    return texts


def test_render_all_on_both_cores_as_one_after_the_other(two_docs, monkeypatch, tmp_path) -> None:
    ws = two_docs
    monkeypatch.setenv("LAFAST_WORKERS", "2")
    both = render_many(ws, SLUGS, out_dir=tmp_path / "beide", force=True)
    monkeypatch.setenv("LAFAST_WORKERS", "1")
    one = render_many(ws, SLUGS, out_dir=tmp_path / "nacheinander", force=True)
    paths = [o.path for outputs in both for o in outputs]
    assert [p.name for p in paths] == [
        f"{slug}.{fmt}" for slug in SLUGS for fmt in ("pdf", "docx", "html")
    ]
    assert _texts(paths) == _texts([o.path for outputs in one for o in outputs])
    assert "Stellungnahme Nummer 2" in _texts(paths)["zweite-stellungnahme.pdf"]
    # written here one after the other in the order of the documents and formats
    times = [p.stat().st_mtime_ns for p in paths]
    assert times == sorted(times)


def test_a_refused_document_leaves_what_the_ones_before_it_made(two_docs, tmp_path) -> None:
    ws = two_docs
    bad = ws.drafts_dir / "kaputt"
    bad.mkdir(exist_ok=True)
    (bad / "document.md").write_text(
        DRAFT.format(title="Kaputt", text="![Passwörter](/etc/passwd)"), "utf-8"
    )
    try:
        with pytest.raises(UnsafeContent):
            render_many(ws, [SLUGS[0], "kaputt", SLUGS[1]], out_dir=tmp_path, force=True)
    finally:
        (bad / "document.md").unlink()
        bad.rmdir()
    made = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert made == sorted(f"{SLUGS[0]}.{f}" for f in ("pdf", "docx", "html"))


def test_final_versions_of_two_documents_as_one_by_one(two_docs, monkeypatch, tmp_path) -> None:
    ws = two_docs
    monkeypatch.setenv("LAFAST_WORKERS", "2")
    results = render_finals(ws, SLUGS, formats=("pdf", "html"), out_dir=tmp_path / "beide")
    monkeypatch.setenv("LAFAST_WORKERS", "1")
    single = [
        render_final(ws, slug, formats=("pdf", "html"), out_dir=tmp_path / "einzeln")
        for slug in SLUGS
    ]
    both = _texts([o.path for r in results for o in r.outputs])
    assert both == _texts([o.path for r in single for o in r.outputs])
    assert [r.draft.slug for r in results] == SLUGS
    assert "Stellungnahme 2" in both["zweite-stellungnahme-1.0.pdf"]


def test_render_of_two_documents_lists_both_in_order(two_docs, tmp_path) -> None:
    ws = two_docs
    out = tmp_path / "aus"
    result = CliRunner().invoke(
        cli, ["-w", str(ws.root), "render", *SLUGS, "--format", "html", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"HTML  {out / slug}.html" for slug in SLUGS]


def test_final_render_shows_checks_documents_and_formats_at_a_terminal(two_docs, tmp_path) -> None:
    from .test_progress import lafast_at_a_terminal

    ws = two_docs
    args = ("render", *SLUGS, "--final", "--format", "html,docx", "--out", str(tmp_path))
    code, out, terminal = lafast_at_a_terminal(ws.root, *args)
    assert code == 0, terminal
    assert "Prüfe Freigaben und Barrierefreiheit" in terminal and "Endgültige Fassungen" in terminal
    assert "4/4" in terminal  # two documents, two formats each
    assert f"{SLUGS[1]} DOCX" in terminal or f"{SLUGS[1]} HTML" in terminal
    assert out.count("Endgültige Fassung:") == 2 and "\x1b[" not in out
