"""SVG made safe and rasterised to PNG (resvg, imported lazily: only the DOCX needs it).

Word 2016+ shows an SVG picture through the `asvg:svgBlip` extension, but reads the `a:blip`
beside it first, and LibreOffice and older Word show only that one: without a PNG there the
picture is an empty box. `png_of` renders the fallback at print resolution.

An SVG comes from a draft's folder or a template folder and may still be hostile: it is parsed
without entities, DTD or network, references to other files or addresses are taken out (resvg
would read a local file an `<image href>` names), the picture's pixel count is capped, and resvg
runs in a forked child with a time and memory limit (`limits.run_limited`).
The cleaned SVG is the one embedded, so Word does not follow those references either.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from lafast_docs.errors import ImageUnreadable, RenderError
from lafast_docs.external import limits
from lafast_docs.storage.files import keep_file

XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
DPI = 300
MAX_PIXELS = 24_000_000  # a full A4 page at 300 dpi is 8.7 million
EMU_PER_INCH = 914_400
RASTER_TIMEOUT = 30.0  # seconds for one picture (at most the render's own limit)
CACHE_VERSION = "resvg-1"  # part of a cached PNG's name: change it when the rendering changes


def clean_svg(data: bytes, name: str) -> bytes:
    """The SVG without DOCTYPE, entity references, and references outside itself (only `#id`
    and `data:` stay); raises ImageUnreadable if it is not XML with an `<svg>` root."""
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        bomb = "amplification" in str(exc) or "entity" in str(exc).lower()
        why = "ihre Entity-Deklarationen vervielfachen sich" if bomb else "fehlerhaftes XML"
        raise ImageUnreadable(
            f"Das Bild {name} ist keine lesbare SVG-Datei ({why}; technisch: {exc}).",
            hint="Speichern Sie die Grafik erneut als SVG (z. B. „Exportieren als SVG“) "
            "oder als PNG und binden Sie diese Datei ein.",
        ) from None
    top = etree.QName(root).localname if isinstance(root.tag, str) else "?"
    if top != "svg":
        raise ImageUnreadable(
            f"Das Bild {name} ist keine SVG-Grafik (äußerstes Element: <{top}>).",
            hint="Binden Sie die Grafik als PNG ein oder speichern Sie sie erneut als SVG.",
        )
    for node in list(root.iter()):
        if isinstance(node, etree._Entity):  # an entity left unresolved: dropped, text kept
            _remove_keeping_tail(node)
            continue
        if not isinstance(node.tag, str):
            continue
        for key in ("href", XLINK_HREF):
            value = (node.get(key) or "").strip()
            if value and not value.startswith(("#", "data:")):
                del node.attrib[key]
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _remove_keeping_tail(node: object) -> None:
    parent = node.getparent()  # type: ignore[attr-defined]
    tail = node.tail or ""  # type: ignore[attr-defined]
    prev = node.getprevious()  # type: ignore[attr-defined]
    if prev is not None:
        prev.tail = (prev.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(node)


def png_of(
    svg: bytes, width_emu: int, height_emu: int, name: str, cache: Path | None = None
) -> bytes:
    """The cleaned `svg` as PNG for a picture `width_emu` × `height_emu` on the page, at 300 dpi
    (less for a picture that would exceed MAX_PIXELS); the same bytes every time. `cache`: a
    folder keeping each PNG by the SVG's content and size (a chart takes ~0.2 s to render)."""
    width = max(1, round(width_emu / EMU_PER_INCH * DPI))
    height = max(1, round(height_emu / EMU_PER_INCH * DPI))
    if width * height > MAX_PIXELS:
        scale = (MAX_PIXELS / (width * height)) ** 0.5
        width, height = max(1, int(width * scale)), max(1, int(height * scale))
    if cache is None:
        return _render(svg, width, height, name)
    digest = hashlib.sha256(svg + f"\0{width}x{height}\0{CACHE_VERSION}".encode()).hexdigest()
    path = cache / f"{digest}.png"
    try:
        return path.read_bytes()
    except OSError:
        pass
    png = _render(svg, width, height, name)
    keep_file(path, png)  # a cache outside the journal (losing it costs one rendering)
    return png


def _render(svg: bytes, width: int, height: int, name: str) -> bytes:
    """resvg in a forked child with a time and memory limit (`limits.run_limited`): an SVG
    with thousands of blurred layers must not hold up the render for minutes."""

    def work() -> bytes | str:  # runs in the child; a refusal comes back as its text
        import resvg_py

        try:
            text = svg.decode("utf-8")
            return bytes(
                resvg_py.svg_to_bytes(
                    svg_string=text, width=width, height=height, resources_dir=None
                )
            )
        except (ValueError, UnicodeDecodeError) as exc:
            return str(exc)

    limit = min(RASTER_TIMEOUT, limits.timeout())
    try:
        png = limits.run_limited(work, what=f"Das Umrechnen des Bildes {name}", limit=limit)
    except RenderError as exc:
        raise ImageUnreadable(
            exc.message,
            hint="Vereinfachen Sie die Grafik (weniger Ebenen, Filter und Effekte) oder "
            "speichern Sie sie als PNG und binden Sie diese Datei ein.",
        ) from None
    if isinstance(png, str):
        raise ImageUnreadable(
            f"Das Bild {name} lässt sich nicht in eine Rastergrafik umwandeln ({png}).",
            hint="Öffnen Sie die Grafik in einem Zeichenprogramm, speichern Sie sie erneut als "
            "SVG oder als PNG und binden Sie diese Datei ein.",
        )
    return bytes(png)
