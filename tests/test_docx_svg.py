"""SVG pictures in the DOCX: a PNG beside the SVG, so LibreOffice (and Word before 2016) show
the chart and an SVG logo instead of an empty box; a hostile SVG fetches nothing and reads
no file outside itself."""

from __future__ import annotations

import http.server
import io
import re
import struct
import subprocess
import threading
import zipfile
from pathlib import Path
from typing import ClassVar

import pytest

from lafast_docs.errors import ImageUnreadable
from lafast_docs.outputs.document import render
from lafast_docs.render import raster
from lafast_docs.render.docxsvg import ASVG, EMBED, PIC, A

from .conftest import SAMPLE_FS, libreoffice_convert, write_draft_body

ALT = "Balkendiagramm: Höchstzahl betreuter Personen je Vollzeitstelle"
LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100" viewBox="0 0 300 100">'
    '<rect width="300" height="100" fill="#0b5394"/>'
    '<circle cx="50" cy="50" r="35" fill="#f1c232"/></svg>'
)


def png_size(blob: bytes) -> tuple[int, int]:
    assert blob[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", blob[16:24])
    return w, h


def pictures(path: Path) -> list[tuple[str, str, bytes, str | None]]:
    """Per picture in the body: alt text, inner description, the blip's part, its SVG target."""
    from lxml import etree

    with zipfile.ZipFile(path) as z:
        doc = etree.fromstring(z.read("word/document.xml"))
        rels = etree.fromstring(z.read("word/_rels/document.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels}
        out = []
        for pic in doc.iter(f"{{{PIC}}}pic"):
            blip = pic.find(f".//{{{A}}}blip")
            svg = blip.find(f".//{{{ASVG}}}svgBlip")
            inline = pic.getparent().getparent().getparent()
            alt = inline.find("{*}docPr").get("descr")
            inner = pic.find(f"{{{PIC}}}nvPicPr/{{{PIC}}}cNvPr").get("descr")
            png = z.read("word/" + targets[blip.get(EMBED)])
            out.append((alt, inner, png, targets[svg.get(EMBED)] if svg is not None else None))
        return out


def test_sample_chart_has_a_print_png_beside_its_svg(rendered_samples) -> None:
    [(alt, inner, png, svg)] = pictures(rendered_samples[SAMPLE_FS]["docx"])
    assert alt.startswith(ALT) and inner == alt  # no data URI left in the description
    assert svg is not None and svg.endswith(".svg")  # Word 2016+ still gets the vector picture
    width, height = png_size(png)
    assert 1700 <= width <= 1900 and 1000 <= height <= 1200  # 15.5 cm wide at 300 dpi


def test_same_svg_same_png() -> None:
    svg = raster.clean_svg(LOGO.encode(), "logo.svg")
    assert raster.png_of(svg, 1_000_000, 333_333, "x") == raster.png_of(
        svg, 1_000_000, 333_333, "x"
    )


def test_png_kept_per_svg_content(tmp_path) -> None:
    """A chart's PNG is rendered once and read back while the SVG and its size stay the same;
    a damaged file under another name is never read."""
    svg = raster.clean_svg(LOGO.encode(), "logo.svg")
    first = raster.png_of(svg, 1_000_000, 333_333, "x", cache=tmp_path)
    [kept] = list(tmp_path.iterdir())
    assert kept.read_bytes() == first
    assert raster.png_of(svg, 1_000_000, 333_333, "x", cache=tmp_path) == first
    raster.png_of(svg, 2_000_000, 666_666, "x", cache=tmp_path)  # another size: its own PNG
    assert len(list(tmp_path.iterdir())) == 2


@pytest.fixture
def logo_ws(ws):
    (ws.root / "templates" / "common").mkdir(parents=True, exist_ok=True)
    (ws.root / "templates" / "common" / "logo.svg").write_text(LOGO, encoding="utf-8")
    write_draft_body(ws, "mit-logo", "# Einleitung\n\nDer Text beginnt hier.\n")
    return ws


def test_svg_logo_on_the_docx_title_page(logo_ws) -> None:
    [docx] = [o.path for o in render(logo_ws, "mit-logo", formats=("docx",))]
    [(alt, _inner, png, svg)] = pictures(docx)
    assert alt.startswith("Logo:") and svg is not None
    assert png_size(png)[1] == round(1.6 / 2.54 * 300)  # 1.6 cm high at 300 dpi
    from lafast_docs.render.docxxml import parse, q

    with zipfile.ZipFile(docx) as z:
        body = parse(z.read("word/document.xml")).find(q("body"))
    assert body[0].find(f".//{{{PIC}}}pic") is not None  # the title page's first paragraph
    kept = list((logo_ws.store.git_dir() / "lafast" / "raster").glob("*.png"))
    assert [p.read_bytes() for p in kept] == [png]  # rendered once, kept for the next render


class Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Recorder.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_hostile_svg_fetches_nothing_and_reads_no_outside_file(ws, tmp_path) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Recorder.hits = []
    secret = tmp_path / "geheim.svg"  # outside the draft's folder
    secret.write_text(LOGO, encoding="utf-8")
    port = server.server_address[1]
    hostile = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="100000000" height="100000000" viewBox="0 0 100 100">'
        '<rect width="100" height="100" fill="#ffffff"/>'
        f'<image href="{secret}" width="100" height="100"/>'
        f'<image xlink:href="http://127.0.0.1:{port}/spur.png" width="100" height="100"/>'
        f'<use href="http://127.0.0.1:{port}/fremd.svg#x"/></svg>'
    )
    folder = write_draft_body(ws, "feindlich", "# Bild\n\n![Ein Bild](bild.svg)\n").parent
    (folder / "bild.svg").write_text(hostile, encoding="utf-8")
    try:
        [docx] = [o.path for o in render(ws, "feindlich", formats=("docx",))]
    finally:
        server.shutdown()
    assert Recorder.hits == []
    [(_alt, _inner, png, svg)] = pictures(docx)
    width, height = png_size(png)
    assert width * height <= raster.MAX_PIXELS
    with zipfile.ZipFile(docx) as z:
        embedded = z.read("word/" + svg).decode()
    assert str(secret) not in embedded and "127.0.0.1" not in embedded
    from PIL import Image

    colours = Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=1 << 20)
    assert not any(c[1] in ((11, 83, 148), (241, 194, 50)) for c in colours)  # no secret logo


@pytest.mark.parametrize(
    ("svg", "why"),
    [
        ("<svg><kein Ende", "fehlerhaftes XML"),
        (  # billion laughs: refused by the parser before it grows
            '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY l0 "ha">'
            + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
            + ']><svg xmlns="http://www.w3.org/2000/svg"><text>&l9;</text></svg>',
            "ihre Entity-Deklarationen vervielfachen sich",
        ),
    ],
)
def test_unreadable_svg_refused_and_nothing_written(ws, svg, why) -> None:
    folder = write_draft_body(ws, "kaputt", "# Bild\n\n![Ein Bild](bild.svg)\n").parent
    (folder / "bild.svg").write_text(svg, encoding="utf-8")
    path = re.escape(str(folder / "bild.svg"))
    message = rf"Das Bild {path} \(Beschreibung „Ein Bild“\) ist keine lesbare SVG-Datei \({why};"
    with pytest.raises(ImageUnreadable, match=message):
        render(ws, "kaputt", formats=("docx",))
    assert list(ws.root.rglob("*.docx")) == []


def test_svg_that_takes_too_long_is_stopped(ws, monkeypatch) -> None:
    """resvg runs under the render's time limit: 400 blurred, noisy layers are stopped with a
    German message naming the picture, and no DOCX and no PNG are written."""
    layers = "".join(
        f'<rect x="{i}" y="{i}" width="2000" height="2000" fill="#{i % 9}{i % 7}{i % 5}" '
        'filter="url(#b)"/>'
        for i in range(400)
    )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="2000" height="2000"><defs>'
        '<filter id="b"><feGaussianBlur stdDeviation="80"/>'
        '<feTurbulence baseFrequency="0.9" numOctaves="10"/></filter></defs>'
        f"{layers}</svg>"
    )
    folder = write_draft_body(ws, "langsam", "# Bild\n\n![Viele Ebenen](bild.svg)\n").parent
    (folder / "bild.svg").write_text(svg, encoding="utf-8")
    monkeypatch.setenv("LAFAST_RENDER_TIMEOUT", "1")
    path = re.escape(str(folder / "bild.svg"))
    message = (
        rf"Das Umrechnen des Bildes {path} \(Beschreibung „Viele Ebenen“\) hat nach 1 Sekunden"
    )
    with pytest.raises(ImageUnreadable, match=message) as caught:
        render(ws, "langsam", formats=("docx",))
    assert "als PNG" in (caught.value.hint or "")
    assert list(ws.root.rglob("*.docx")) == []
    assert list((ws.store.git_dir() / "lafast").rglob("*.png")) == []


# -- through LibreOffice -------------------------------------------------------------------------
def images_per_page(pdf: Path) -> list[tuple[int, int, int]]:
    from tests.checkers import tool

    out = subprocess.run(
        [tool("pdfimages"), "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    rows = [line.split() for line in out.splitlines()[2:]]
    return [(int(r[0]), int(r[3]), int(r[4])) for r in rows if r[2] == "image"]


def page_with(pdf: Path, text: str) -> int:
    from tests.checkers import tool

    out = subprocess.run(
        [tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = [" ".join(p.split()) for p in out.split("\f")]
    return next(i + 1 for i, p in enumerate(pages) if text in p)


@pytest.mark.slow
def test_chart_and_logo_are_pictures_in_libreoffice(rendered_samples, logo_ws, tmp_path) -> None:
    pdf = libreoffice_convert(rendered_samples[SAMPLE_FS]["docx"], "pdf", tmp_path / "fs")
    chart_page = page_with(pdf, ALT.split(":")[0] + ": Höchstzahl")
    assert [(w, h) for p, w, h in images_per_page(pdf) if p == chart_page and w > 1000] != []
    [docx] = [o.path for o in render(logo_ws, "mit-logo", formats=("docx",))]
    pdf = libreoffice_convert(docx, "pdf", tmp_path / "logo")
    assert [p for p, w, h in images_per_page(pdf) if w >= 300] == [1]
