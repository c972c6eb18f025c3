"""Unsafe content in drafts is refused before pandoc or WeasyPrint could act on it."""

import os

import pytest

from lafast_docs.errors import UnsafeContent
from lafast_docs.text.analysis import analyse
from lafast_docs.text.drafts import load_draft

from .conftest import write_draft_body

SVG = (
    "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'>"
    "<rect width='10' height='10'/></svg>"
)


def refused(ws, body: str) -> UnsafeContent:
    write_draft_body(ws, "t", body)
    with pytest.raises(UnsafeContent) as info:
        analyse(load_draft(ws, "t"))
    return info.value


@pytest.mark.parametrize(
    "body",
    [
        "Text\n\n<div>roh</div>\n",
        "Text <span onclick='x()'>roh</span> mehr\n",
        "<script>alert(1)</script>\n",
        '<link rel="stylesheet" href="file:///etc/passwd">\n',
        '<link rel="attachment" href="/etc/passwd">\n',
        "```{=html}\n<img src='/etc/passwd'>\n```\n",
        "`<b>x</b>`{=html}\n",
        "```{=openxml}\n<w:p/>\n```\n",
    ],
)
def test_raw_markup_is_refused_with_line(ws, body: str) -> None:
    err = refused(ws, "Erster Absatz.\n\n" + body)
    assert err.problems and "nicht erlaubt" in err.problems[0].message
    assert err.problems[0].line is not None and err.problems[0].line >= 8
    assert "Was tun:" in err.render()


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("/etc/passwd", "keine Adressen oder absoluten Pfade"),
        ("file:///etc/passwd", "keine Adressen"),
        ("../../../../etc/passwd", "außerhalb"),
        ("bilder/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "außerhalb"),
        ("http://127.0.0.1:9/x.png", "keine Adressen"),
        ("data:image/svg+xml;base64,PHN2Zy8+", "keine Adressen"),
        ("bilder/fehlt.png", "nicht gefunden"),
    ],
)
def test_images_only_from_the_draft_folder(ws, src: str, message: str) -> None:
    err = refused(ws, f"![Beschreibung]({src})\n")
    assert message in err.problems[0].message
    assert err.problems[0].line == 7


def test_symlink_leading_out_of_the_folder_is_refused(ws, tmp_path) -> None:
    write_draft_body(ws, "t", "![Bild](bilder/link.svg)\n")
    outside = tmp_path / "geheim.svg"
    outside.write_text(SVG)
    (ws.drafts_dir / "t" / "bilder").mkdir()
    os.symlink(outside, ws.drafts_dir / "t" / "bilder" / "link.svg")
    with pytest.raises(UnsafeContent, match="nicht erlaubte") as info:
        analyse(load_draft(ws, "t"))
    assert "Verknüpfung" in info.value.problems[0].message


def test_image_of_wrong_type_is_refused(ws) -> None:
    write_draft_body(ws, "t", "![Bild](daten.txt)\n")
    (ws.drafts_dir / "t" / "daten.txt").write_text("x")
    with pytest.raises(UnsafeContent) as info:
        analyse(load_draft(ws, "t"))
    assert "wird nicht unterstützt" in info.value.problems[0].message


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "file://host/share/x",
        "../andere.md",
        "vbscript:x",
        "data:text/html,<script>x</script>",
    ],
)
def test_links_other_than_web_mail_and_anchor_are_refused(ws, link: str) -> None:
    err = refused(ws, f"Siehe [hier]({link}).\n")
    assert "nur Web-Adressen" in err.problems[0].message


def test_style_attributes_cannot_fetch(ws) -> None:
    err = refused(ws, '[Text]{style="background: url(file:///etc/passwd)"}\n')
    assert "Attribut „style“" in err.problems[0].message


def test_all_problems_reported_at_once(ws) -> None:
    err = refused(ws, "<b>x</b>\n\n![a](/etc/passwd)\n\n[b](javascript:x)\n")
    assert len(err.problems) == 3


def test_allowed_content_passes(ws) -> None:
    write_draft_body(
        ws,
        "t",
        "![Balken](bilder/a.svg)\n\nSiehe [LaFaSt](https://example.org), "
        "[Mail](mailto:a@b.de) und [oben](#eins).\n\n<!-- Notiz -->\n",
    )
    (ws.drafts_dir / "t" / "bilder").mkdir()
    (ws.drafts_dir / "t" / "bilder" / "a.svg").write_text(SVG)
    a = analyse(load_draft(ws, "t"))
    assert list(a.images) == ["bilder/a.svg"]
    assert len(a.model.blocks) == 2
