"""Hostile content on the way to PDF, DOCX and HTML: WeasyPrint may read only the allowed asset
folders (whatever the HTML or CSS asks for), pandoc reads no files, links cannot run code, and
titles cannot inject markup. Each case: refused, no output written, the secret nowhere, no
request reached the local server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lafast_docs.errors import UnsafeContent
from lafast_docs.outputs.document import render
from lafast_docs.render.pdf import write_pdf

from ..conftest import write_draft_body
from .conftest import leaked

SVG_WITH = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    'width="10" height="10"><image xlink:href="{url}" href="{url}" width="10" height="10"/>'
    "</svg>"
)


def page(body: str, head: str = "") -> str:
    return (
        f'<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>T</title>{head}'
        f"</head><body><p>Text.</p>{body}</body></html>"
    )


def cases(s: dict[str, Path], server: str) -> dict[str, str]:
    return {
        "img": page(f'<img src="{s["png"].as_uri()}" alt="x">'),
        "stylesheet": page("", f'<link rel="stylesheet" href="{s["css"].as_uri()}">'),
        "import": page("", f'<style>@import url("{s["css"].as_uri()}");</style>'),
        "attachment": page(f'<a rel="attachment" href="{s["txt"].as_uri()}">Anhang</a>'),
        "link-attachment": page("", f'<link rel="attachment" href="{s["txt"].as_uri()}">'),
        "font-face": page(
            "",
            f'<style>@font-face {{ font-family: x; src: url("{s["ttf"].as_uri()}"); }} '
            "p { font-family: x; }</style>",
        ),
        "background": page("", f'<style>p {{ background: url("{s["png"].as_uri()}"); }}</style>'),
        "svg-inside-assets-points-out": page('<img src="innen.svg" alt="x">'),
        "symlink-in-assets": page('<img src="verknuepft.png" alt="x">'),
        "dot-dot-encoded": page('<img src="%2e%2e/ausserhalb/geheim.png" alt="x">'),
        "dot-dot": page('<img src="../ausserhalb/geheim.png" alt="x">'),
        "file-host": page('<img src="file://fremder-rechner/freigabe/geheim.png" alt="x">'),
        "http-img": page(f'<img src="{server}/bild.png" alt="x">'),
        "http-stylesheet": page("", f'<link rel="stylesheet" href="{server}/a.css">'),
        "http-import": page("", f'<style>@import url("{server}/b.css");</style>'),
        "http-font": page(
            "", f'<style>@font-face {{ font-family: y; src: url("{server}/f.ttf"); }}</style>'
        ),
    }


CASE_NAMES = sorted(cases({k: Path("/x") for k in ("png", "css", "txt", "ttf")}, "http://x"))


@pytest.mark.parametrize("case", CASE_NAMES)
def test_weasyprint_reads_nothing_outside_the_assets(ws, tmp_path, secrets, local_server, case):
    server, hits = local_server
    assets = tmp_path / "assets"
    assets.mkdir()
    (assets / "innen.svg").write_text(SVG_WITH.format(url=secrets["png"].as_uri()))
    os.symlink(secrets["png"], assets / "verknuepft.png")
    target = ws.build_dir / "t.pdf"
    html = cases(secrets, server)[case]
    with pytest.raises(UnsafeContent) as err:
        write_pdf(html, target, base=assets, allowed_roots=[assets], link_texts={})
    assert err.value.message.startswith(
        "Beim Erzeugen der PDF-Datei wurde auf Dateien außerhalb der erlaubten Ordner zugegriffen"
    )
    assert not target.exists()
    assert hits == []
    assert leaked(ws.root) == [] and leaked(tmp_path / "assets") == []


def draft_refused(ws, body: str, meta: str = "") -> UnsafeContent:
    write_draft_body(ws, "t", body, extra_meta=meta)
    with pytest.raises(UnsafeContent) as err:
        render(ws, "t")
    assert not (ws.build_dir / "t").exists() or not any((ws.build_dir / "t").iterdir())
    assert leaked(ws.root) == []
    return err.value


@pytest.mark.parametrize("key", ["bibliography", "csl", "include-before", "header-includes"])
def test_pandoc_file_keys_in_front_matter_are_refused(ws, secrets, key) -> None:
    err = draft_refused(ws, "Siehe [@geheim].\n", f"{key}: {secrets['txt']}\n")
    assert err.message == (
        f"Die Angaben „{key}“ im Kopf des Entwurfs sind nicht erlaubt: lafast liest keine "
        "weiteren Dateien ein."
    )


@pytest.mark.parametrize(
    "src", ["../../ausserhalb/geheim.png", "%2e%2e/%2e%2e/ausserhalb/geheim.png", "/etc/passwd"]
)
def test_pandoc_images_outside_the_draft_are_refused(ws, secrets, src) -> None:
    err = draft_refused(ws, f"![Bild]({src})\n")
    assert "außerhalb" in err.problems[0].message or "absoluten Pfade" in err.problems[0].message


def test_pandoc_include_syntax_reads_no_file(ws, secrets) -> None:
    """pandoc has no include of its own; the filter syntax and TeX's \\input stay plain text."""
    write_draft_body(
        ws,
        "t",
        f"```{{.include}}\n{secrets['txt']}\n```\n\n\\input{{{secrets['txt']}}}\n\n"
        f"!include {secrets['txt']}\n",
    )
    outputs = render(ws, "t")
    assert {o.format for o in outputs} == {"pdf", "docx", "html"}
    assert leaked(ws.root) == []


@pytest.mark.parametrize("link", ["javascript:alert(1)", "file://fremder-rechner/freigabe/x"])
def test_javascript_and_file_host_links_never_reach_a_pdf(ws, link) -> None:
    err = draft_refused(ws, f"Siehe [hier]({link}).\n")
    assert "nur Web-Adressen" in err.problems[0].message


def test_script_in_title_is_text_in_the_html_page(ws) -> None:
    """The site (`lafast publish`) reuses these pages; its index is covered where it is built."""
    from lxml import html as lxml_html

    write_draft_body(ws, "t", "Text.\n")
    doc = ws.drafts_dir / "t" / "document.md"
    doc.write_text(
        doc.read_text("utf-8").replace('title: "Test t"', "title: \"<script>alert('x')</script>\""),
        "utf-8",
    )
    (out,) = render(ws, "t", formats=("html",))
    tree = lxml_html.fromstring(out.path.read_bytes())
    assert tree.xpath("//script") == []
    assert "<script>alert('x')</script>" in tree.findtext(".//title")
    assert "<script>" not in out.path.read_text("utf-8")
