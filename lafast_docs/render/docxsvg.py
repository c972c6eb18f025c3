"""SVG pictures in pandoc's DOCX given a PNG beside them, so every program shows them.

pandoc writes an SVG as `a:blip` with only the `asvg:svgBlip` extension (Word 2016+); the blip
itself, which LibreOffice and older Word read, points nowhere, so they show an empty box. Here
each such blip gets a PNG rendered at print resolution (`raster.png_of`), the SVG part is
replaced by its cleaned form, and the picture's inner description (pandoc leaves the data URI
there) becomes its alternative text.
"""

from __future__ import annotations

import hashlib
import posixpath
from pathlib import Path

from lafast_docs.render import raster
from lafast_docs.render.docxxml import Element, parse, serialise

A = "http://schemas.openxmlformats.org/drawingml/2006/main"
PIC = "http://schemas.openxmlformats.org/drawingml/2006/picture"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
ASVG = "http://schemas.microsoft.com/office/drawing/2016/SVG/main"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
IMAGE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
EMBED = f"{{{R}}}embed"


def add_png_fallbacks(
    doc: Element,
    parts: dict[str, bytes],
    files: dict[str, str] | None = None,
    cache: Path | None = None,
) -> dict[str, bytes]:
    """Give every SVG picture in `doc` (word/document.xml) its PNG; returns the new and changed
    parts (name -> bytes), `parts` is left as it is. `files`: SHA-256 of an SVG -> the file it
    came from, named in an error; `cache`: the folder of rendered PNGs (`raster.png_of`)."""
    parts = dict(parts)
    before = dict(parts)
    rels_name = "word/_rels/document.xml.rels"
    rels = parse(parts[rels_name]) if rels_name in parts else None
    if rels is None:
        return {}
    targets = {r.get("Id"): r.get("Target") for r in rels}
    pngs: dict[str, str] = {}  # svg relationship id -> png relationship id
    for blip in doc.iter(f"{{{A}}}blip"):
        svg_blip = blip.find(f".//{{{ASVG}}}svgBlip")
        if svg_blip is None or blip.get(EMBED):
            continue
        rid = svg_blip.get(EMBED)
        target = targets.get(rid)
        if not target:
            continue
        if rid not in pngs:
            pngs[rid] = _png_part(rid, target, blip, parts, rels, files or {}, cache)
        blip.set(EMBED, pngs[rid])
        _describe(blip)
    if not pngs:
        return {}
    parts[rels_name] = serialise(rels)
    parts["[Content_Types].xml"] = _with_png_type(parts["[Content_Types].xml"])
    return {k: v for k, v in parts.items() if before.get(k) is not v}


def _png_part(
    rid: str,
    target: str,
    blip: Element,
    parts: dict[str, bytes],
    rels: Element,
    files: dict[str, str],
    cache: Path | None,
) -> str:
    from lxml import etree

    svg_name = posixpath.normpath(posixpath.join("word", target))
    alt = _alt_text(blip)
    source = files.get(hashlib.sha256(parts[svg_name]).hexdigest(), "")
    label = " ".join(
        [*([source] if source else []), *([f"(Beschreibung „{alt[:60]}“)"] if alt else [])]
    )
    clean = raster.clean_svg(parts[svg_name], label)
    parts[svg_name] = clean
    cx, cy = _extent(blip)
    png_target = posixpath.splitext(target)[0] + ".png"
    parts[posixpath.normpath(posixpath.join("word", png_target))] = raster.png_of(
        clean, cx, cy, label, cache
    )
    png_rid = f"{rid}png"
    etree.SubElement(
        rels, f"{{{PKG_REL}}}Relationship", Id=png_rid, Type=IMAGE_REL, Target=png_target
    )
    return png_rid


def _extent(blip: Element) -> tuple[int, int]:
    """The picture's size on the page (EMU) from its `wp:extent`."""
    drawing = _drawing(blip)
    ext = drawing.find(f"{{{WP}}}extent") if drawing is not None else None
    if ext is None:
        return 1_828_800, 1_828_800  # 2 inch: a picture pandoc always sizes; never reached
    return int(ext.get("cx")), int(ext.get("cy"))


def _drawing(blip: Element) -> Element | None:
    node = blip
    while node is not None and node.tag not in (f"{{{WP}}}inline", f"{{{WP}}}anchor"):
        node = node.getparent()
    return node


def _alt_text(blip: Element) -> str:
    drawing = _drawing(blip)
    doc_pr = drawing.find(f"{{{WP}}}docPr") if drawing is not None else None
    return doc_pr.get("descr", "") if doc_pr is not None else ""


def _describe(blip: Element) -> None:
    """pandoc puts the image source (a data URI) into `pic:cNvPr/@descr`: the alt text instead."""
    inner = blip.getparent().getparent().find(f"{{{PIC}}}nvPicPr/{{{PIC}}}cNvPr")
    if inner is not None:
        inner.set("descr", _alt_text(blip))


def _with_png_type(blob: bytes) -> bytes:
    from lxml import etree

    types = parse(blob)
    if not any(d.get("Extension", "").lower() == "png" for d in types.iter(f"{{{CT}}}Default")):
        default = etree.Element(f"{{{CT}}}Default", Extension="png", ContentType="image/png")
        types.insert(0, default)
    return serialise(types)
