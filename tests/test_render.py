"""Rendering checked by extracted text and structure: PDF text, DOCX XML, HTML DOM."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from lafast_docs.errors import UnsafeContent
from lafast_docs.outputs.document import render

from .conftest import (
    SAMPLE_FS,
    SAMPLE_SN,
    assert_pdf_ua1,
    libreoffice_convert,
    pdf_text,
    write_draft_body,
)

REPO = Path(__file__).resolve().parent.parent
STAR_BODY = (
    "# Team\n\nSozialarbeiter*innen und Erzieher*innen arbeiten mit "
    "Dolmetscher*innen.[^1]\n\n[^1]: Auch Sprachmittler*innen und Kolleg*innen.\n"
)


def html_dom(path: Path):
    import lxml.html

    return lxml.html.fromstring(path.read_bytes())


# -- the gender star in every format -------------------------------------------------------------
def test_gender_star_literal_in_every_format(ws) -> None:
    write_draft_body(ws, "stern", STAR_BODY)
    out = {o.format: o.path for o in render(ws, "stern")}
    sentence = "Sozialarbeiter*innen und Erzieher*innen arbeiten mit Dolmetscher*innen."
    assert sentence in " ".join(pdf_text(out["pdf"]).split())
    dom = html_dom(out["html"])
    p = dom.xpath("//main//p")[0]
    assert sentence in " ".join(p.text_content().split())
    assert not dom.xpath("//main//em")
    from docx import Document

    doc = Document(str(out["docx"]))
    assert any(sentence in para.text for para in doc.paragraphs)
    assert not any(r.italic for para in doc.paragraphs for r in para.runs if "innen" in r.text)


# -- PDF ----------------------------------------------------------------------------------------
def test_sample_pdf_layout_text(rendered_samples) -> None:
    pdf = rendered_samples[SAMPLE_FS]["pdf"]
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    n = len(reader.pages)
    assert n >= 15
    first = " ".join(reader.pages[0].extract_text().split())
    assert "Mindeststandards für die Flüchtlingssozialarbeit in Sachsen" in first
    assert "Stand" in first and "Version" in first and "0.3" in first and "Inhalt" in first
    text = pdf_text(pdf)
    assert f"Seite 1 von {n}" in text and f"Seite {n} von {n}" in text
    assert "Sozialarbeiter*innen" in text
    assert "mitfinanziert mit Steuermitteln" in reader.pages[n - 1].extract_text()
    meta = reader.metadata
    assert meta.title == "Mindeststandards für die Flüchtlingssozialarbeit in Sachsen"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "de-DE"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data().replace(b" ", b"")


def test_sample_pdf_has_toc_footnotes_tables_randnummern(rendered_samples) -> None:
    text = pdf_text(rendered_samples[SAMPLE_FS]["pdf"])
    assert "Betreuungsschlüssel" in text
    # footnote bodies are on the pages, not only as references
    assert "fiktiv" in text
    # margin numbers: 1, 2, 3 ... appear as their own lines
    lines = {line.strip() for line in text.splitlines()}
    assert {"1", "2", "3", "50", "100"} <= lines


@pytest.mark.slow
@pytest.mark.parametrize("slug", [SAMPLE_FS, SAMPLE_SN])
def test_sample_pdfs_pass_pdf_ua1(rendered_samples, slug) -> None:
    assert_pdf_ua1(rendered_samples[slug]["pdf"])


# -- DOCX ---------------------------------------------------------------------------------------
def test_sample_docx_styles_and_properties(rendered_samples) -> None:
    from docx import Document

    path = rendered_samples[SAMPLE_FS]["docx"]
    doc = Document(str(path))
    assert (
        doc.core_properties.title == "Mindeststandards für die Flüchtlingssozialarbeit in Sachsen"
    )
    assert "Dr. Katrin Wendler" in doc.core_properties.author
    rn_runs = [
        r for p in doc.paragraphs for r in p.runs if r.style and r.style.name == "Randnummer"
    ]
    assert [r.text for r in rn_runs[:3]] == ["1", "2", "3"]
    heads = [p for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert heads[0].runs[0].style.name == "Abschnittsnummer" and heads[0].runs[0].text == "1"
    with zipfile.ZipFile(path) as z:
        custom = z.read("docProps/custom.xml").decode("utf-8")
    assert "lafast-version" in custom and ">0.3<" in custom
    assert "lafast-stand" in custom and "lafast-commit" in custom


@pytest.mark.slow
def test_docx_opens_in_libreoffice(rendered_samples, tmp_path) -> None:
    src = rendered_samples[SAMPLE_SN]["docx"]
    out = libreoffice_convert(src, "txt:Text (encoded):UTF8", tmp_path)
    text = out.read_text("utf-8-sig")
    assert "Sozialarbeiter*innen" in text or "Klient*innen" in text
    assert "Vorbemerkung" in text


# -- HTML ---------------------------------------------------------------------------------------
def test_sample_html_is_accessible_standalone_page(rendered_samples) -> None:
    path = rendered_samples[SAMPLE_FS]["html"]
    dom = html_dom(path)
    assert dom.get("lang") == "de-DE"
    assert len(dom.xpath("//h1")) == 1
    assert dom.xpath("//nav[@aria-labelledby]//a[starts-with(@href, '#')]")
    assert dom.xpath("//main[@id='inhalt-text']")
    assert dom.xpath("//a[@class='skip' and @href='#inhalt-text']")
    rn = dom.xpath("//div[@id='rn-1']//a[@class='rn']")
    assert rn and rn[0].get("aria-label") == "Randnummer 1"
    for img in dom.xpath("//img"):
        assert img.get("alt") and img.get("src").startswith("data:image/svg+xml;base64,")
    for table in dom.xpath("//main//table"):
        assert table.xpath(".//thead//th")
    ids = dom.xpath("//@id")
    assert len(ids) == len(set(ids))
    for href in dom.xpath("//a[starts-with(@href, '#')]/@href"):
        assert href[1:] in ids, href
    assert not dom.xpath("//script") and not dom.xpath("//link[@rel='stylesheet']")


# -- cache -------------------------------------------------------------------------------------
def test_unchanged_document_is_not_rendered_again(ws) -> None:
    write_draft_body(ws, "c", "Ein Absatz.\n")
    ws.store.commit([ws.drafts_dir], "c")
    first = render(ws, "c", formats=("html", "docx"))
    assert [o.cached for o in first] == [False, False]
    mtime = first[0].path.stat().st_mtime_ns
    again = render(ws, "c", formats=("html", "docx"))
    assert [o.cached for o in again] == [True, True]
    assert first[0].path.stat().st_mtime_ns == mtime
    forced = render(ws, "c", formats=("html",), force=True)
    assert forced[0].cached is False
    doc = ws.drafts_dir / "c" / "document.md"
    doc.write_text(doc.read_text("utf-8") + "\nZweiter Absatz.\n", encoding="utf-8")
    changed = render(ws, "c", formats=("html", "docx"))
    assert [o.cached for o in changed] == [False, False]
    assert "Zweiter Absatz." in changed[0].path.read_text("utf-8")
    changed[0].path.write_text("manipuliert", encoding="utf-8")
    assert render(ws, "c", formats=("html",))[0].cached is False


def test_render_out_folder(ws, tmp_path) -> None:
    write_draft_body(ws, "o", "Text.\n")
    out = render(ws, "o", formats=("html",), out_dir=tmp_path / "ziel")
    assert out[0].path == (tmp_path / "ziel" / "o.html").resolve()


# -- unsafe content never reaches the output ----------------------------------------------------
@pytest.mark.parametrize(
    "css",
    [
        '@import url("file:///etc/passwd");',
        'body { background: url("file:///etc/passwd"); }',
        '@font-face { font-family: x; src: url("file:///etc/passwd"); }',
        'body { background: url("http://127.0.0.1:9/x.png"); }',
    ],
)
def test_template_override_cannot_read_outside_files(ws, css) -> None:
    write_draft_body(ws, "t", "Text.\n")
    override = ws.templates_dir / "common"  # brand.css: the first stylesheet of the page
    override.mkdir(parents=True)
    (override / "brand.css").write_text(css, encoding="utf-8")
    with pytest.raises(UnsafeContent, match="außerhalb der erlaubten Ordner"):
        render(ws, "t", formats=("pdf",))
    assert not (ws.build_dir / "t" / "t.pdf").exists()


def test_passwd_as_image_never_renders(ws) -> None:
    write_draft_body(ws, "t", "![x](/etc/passwd)\n\n![y](../../../../../etc/passwd)\n")
    with pytest.raises(UnsafeContent):
        render(ws, "t")
    assert not list((ws.build_dir).glob("**/*.pdf"))


TRICKY = """# Erstes Kapitel

Ein Absatz mit [**fettem Verweis**](https://example.org) und
[Abschnittsverweis](#zweites-kapitel).[^a]

- lockere Liste, erster Punkt

- zweiter Punkt mit Zitat:

    > Zitat im Listenpunkt

- dritter Punkt
    - verschachtelt

1. nummeriert[^b]
2. zweitens

![Balkendiagramm: Fälle je Fachkraft](bild.svg)

# Zweites Kapitel

| Spalte A | Spalte B |
|----------|----------|
| a        | b        |

Table: Eine Tabelle

[^a]: Erste Fußnote mit *Betonung*.
[^b]: Zweite Fußnote.
"""


@pytest.mark.slow
def test_tricky_structures_pass_pdf_ua1(ws) -> None:
    write_draft_body(ws, "schwierig", TRICKY)
    (ws.drafts_dir / "schwierig" / "bild.svg").write_text(
        "<svg xmlns='http://www.w3.org/2000/svg' width='40' height='20'>"
        "<rect width='40' height='20' fill='#1f3a5f'/></svg>",
        encoding="utf-8",
    )
    pdf = render(ws, "schwierig", formats=("pdf",))[0].path
    assert_pdf_ua1(pdf)
    import pikepdf

    with pikepdf.open(pdf) as doc:
        contents = [
            str(a.Contents)
            for p in doc.pages
            for a in p.get("/Annots", [])
            if a.get("/Subtype") == "/Link"
        ]
    assert "Verweis auf https://example.org" in contents
    assert "Verweis auf Abschnitt 2 Zweites Kapitel" in contents


def test_broken_image_is_a_clear_render_error(ws) -> None:
    from lafast_docs.errors import RenderError

    write_draft_body(ws, "b", "![Kaputtes Bild](kaputt.png)\n")
    (ws.drafts_dir / "b" / "kaputt.png").write_bytes(b"\x89PNG\r\n\x1a\nkein Bild")
    with pytest.raises(RenderError) as info:
        render(ws, "b", formats=("pdf",))
    assert info.value.exit_code == 5
    assert "kaputt.png lässt sich nicht laden" in info.value.message
    assert not (ws.build_dir / "b" / "b.pdf").exists()


def test_missing_or_old_pandoc_is_a_clear_error(ws, tmp_path, monkeypatch) -> None:
    from lafast_docs.errors import ToolMissing
    from lafast_docs.external import pandoc

    fake = tmp_path / "pandoc"
    fake.write_text("#!/bin/sh\necho 'pandoc 2.9.2'\n")
    fake.chmod(0o755)
    write_draft_body(ws, "p", "Text.\n")
    for exe, message in (
        (fake, "pandoc 2.9.2 ist zu alt"),
        (tmp_path / "fehlt", "lässt sich nicht starten"),
    ):
        monkeypatch.setenv("LAFAST_PANDOC", str(exe))
        pandoc.get_pandoc.cache_clear()
        try:
            with pytest.raises(ToolMissing, match=message):
                render(ws, "p", formats=("html",))
        finally:
            pandoc.get_pandoc.cache_clear()


def test_pandoc_failure_is_a_clear_error(ws) -> None:
    from lafast_docs.errors import RenderError
    from lafast_docs.external import pandoc

    with pytest.raises(RenderError, match=r"pandoc \(Markdown lesen\) ist fehlgeschlagen"):
        pandoc.run(["-f", "keinformat"], "x", what="pandoc (Markdown lesen)")
    with pytest.raises(RenderError, match="nicht geantwortet"):
        pandoc.run(["-f", "markdown", "-t", "html"], "x " * 200000, timeout=0.01)


def test_title_and_metadata_are_escaped_in_every_output(ws) -> None:
    evil = '<script>alert("x")</script> & </style><b>'
    write_draft_body(ws, "x", "Text.\n")
    doc = ws.drafts_dir / "x" / "document.md"
    doc.write_text(
        doc.read_text("utf-8").replace('title: "Test x"', f"title: '{evil}'"), encoding="utf-8"
    )
    out = {o.format: o.path for o in render(ws, "x")}
    page = out["html"].read_text("utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page
    dom = html_dom(out["html"])
    assert dom.xpath("//h1")[0].text_content() == evil
    assert not dom.xpath("//script") and not dom.xpath("//b")
    from pypdf import PdfReader

    assert PdfReader(out["pdf"]).metadata.title == evil
    from docx import Document

    assert Document(str(out["docx"])).core_properties.title == evil
