"""WordprocessingML styles resolved as LibreOffice applies them, and the fonts' metrics.

`Styles` resolves `styles.xml` (document defaults, `basedOn` chains, a table style and its
conditional parts, character styles) into `Props`; `with_ppr`/`with_rpr` apply direct
formatting on top. The advance widths and vertical metrics of the DejaVu faces the reference
documents name come from `templates/common/fontmetrics.json` (written from the font files by
`scripts/make_font_metrics.py`, so no font needs to be installed where lafast runs).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import re
from dataclasses import dataclass, replace

from lafast_docs.external import resources
from lafast_docs.render.docxxml import Element, q

OFF = {"0", "false", "off", "none"}


def _metrics() -> bytes:
    return (resources.builtin_templates() / "common" / "fontmetrics.json").read_bytes()


@functools.cache
def metrics_digest() -> bytes:
    """SHA-256 of the font metrics (part of the key of kept line layouts)."""
    return hashlib.sha256(_metrics()).digest()


@functools.cache
def _faces() -> dict[str, tuple[dict[str, int], int, int, int, int]]:
    """face -> (advance per character, default advance, units per em, ascent, descent)."""
    data = json.loads(_metrics())
    return {
        key: (
            dict(zip(f["widths"], f["advances"], strict=True)),
            f["default"],
            f["upem"],
            f["ascent"],
            f["descent"],
        )
        for key, f in data.items()
    }


def face_of(bold: bool, italic: bool, mono: bool) -> str:
    if mono:
        return "mono"
    style = ("b" if bold else "") + ("i" if italic else "")
    return f"sans-{style}" if style else "sans"


@functools.cache
def text_width(text: str, face: str, half_points: int) -> float:
    """Width of `text` in twips."""
    widths, default, upem, _a, _d = _faces()[face]
    return sum(map(widths.get, text, itertools.repeat(default))) * half_points * 10 / upem


@functools.cache
def font_height(face: str, half_points: int) -> tuple[int, int]:
    """(ascent, descent) in twips, rounded as LibreOffice rounds them."""
    _w, _d, upem, ascent, descent = _faces()[face]
    size = half_points * 10
    return round(size * ascent / upem), round(size * descent / upem)


# -- properties ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Props:
    """Resolved paragraph and character properties (twips, half-points)."""

    size: int = 20
    bold: bool = False
    italic: bool = False
    mono: bool = False
    before: int = 0
    after: int = 0
    line: int = 240
    rule: str = "auto"
    left: int = 0
    right: int = 0
    first: int = 0  # first-line indent; negative: hanging
    keep_next: bool = False
    keep_lines: bool = False
    widows: bool = False
    page_break: bool = False
    contextual: bool = False
    tabs: tuple[tuple[int, str], ...] = ()


def _on(e: Element) -> bool:
    return (e.get(q("val")) or "1").lower() not in OFF


def twips(e: Element, *names: str) -> int | None:
    for n in names:
        v = e.get(q(n))
        if v is not None and re.fullmatch(r"-?\d+", v):
            return int(v)
    return None


def with_ppr(p: Props, ppr: Element | None) -> Props:
    if ppr is None:
        return p
    ch: dict[str, object] = {}
    for e in ppr:
        tag = e.tag.rpartition("}")[2]
        if tag == "spacing":
            for key, attr in (("before", "before"), ("after", "after"), ("line", "line")):
                if (v := twips(e, attr)) is not None:
                    ch[key] = v
            if e.get(q("lineRule")):
                ch["rule"] = e.get(q("lineRule"))
        elif tag == "ind":
            if (v := twips(e, "left", "start")) is not None:
                ch["left"] = v
            if (v := twips(e, "right", "end")) is not None:
                ch["right"] = v
            if (v := twips(e, "firstLine")) is not None:
                ch["first"] = v
            if (v := twips(e, "hanging")) is not None:
                ch["first"] = -v
        elif tag in ("keepNext", "keepLines", "widowControl", "pageBreakBefore"):
            key = {"keepNext": "keep_next", "keepLines": "keep_lines"}.get(tag, tag)
            key = {"widowControl": "widows", "pageBreakBefore": "page_break"}.get(key, key)
            ch[key] = _on(e)
        elif tag == "contextualSpacing":
            ch["contextual"] = _on(e)
        elif tag == "tabs":
            tabs = dict(p.tabs)
            for t in e.findall(q("tab")):
                pos = twips(t, "pos")
                if pos is None:
                    continue
                if t.get(q("val")) == "clear":
                    tabs.pop(pos, None)
                else:
                    tabs[pos] = str(t.get(q("val")) or "left")
            ch["tabs"] = tuple(sorted(tabs.items()))
        elif tag == "rPr":
            pass  # the paragraph mark's run properties do not set the text's
    return replace(p, **ch) if ch else p  # type: ignore[arg-type]


def with_rpr(p: Props, rpr: Element | None) -> Props:
    if rpr is None:
        return p
    ch: dict[str, object] = {}
    for e in rpr:
        tag = e.tag.rpartition("}")[2]
        if tag == "sz" and (v := twips(e, "val")) is not None:
            ch["size"] = v
        elif tag in ("b", "i"):
            ch["bold" if tag == "b" else "italic"] = _on(e)
        elif tag == "rFonts":
            name = e.get(q("ascii")) or e.get(q("hAnsi")) or ""
            ch["mono"] = "Mono" in name or "Courier" in name
    return replace(p, **ch) if ch else p  # type: ignore[arg-type]


class Styles:
    """styles.xml resolved: paragraph and character styles as `Props`."""

    def __init__(self, root: Element | None) -> None:
        self.by_id: dict[str, Element] = {}
        base = Props()
        self.default_para = ""
        self.default_table = ""
        if root is not None:
            defaults = root.find(q("docDefaults"))
            if defaults is not None:
                base = with_rpr(base, defaults.find(f"{q('rPrDefault')}/{q('rPr')}"))
                base = with_ppr(base, defaults.find(f"{q('pPrDefault')}/{q('pPr')}"))
            for s in root.findall(q("style")):
                sid = str(s.get(q("styleId")))
                self.by_id[sid] = s
                if on_attr(s, "default"):
                    if s.get(q("type")) == "paragraph":
                        self.default_para = sid
                    elif s.get(q("type")) == "table":
                        self.default_table = sid
        self.base = base
        self._para: dict[tuple[str, str, str], Props] = {}
        self._char: dict[tuple[Props, str], Props] = {}

    def _chain(self, sid: str) -> list[Element]:
        out: list[Element] = []
        while sid in self.by_id and len(out) < 20:
            s = self.by_id[sid]
            out.append(s)
            based = s.find(q("basedOn"))
            sid = str(based.get(q("val"))) if based is not None else ""
        return out[::-1]

    def para(self, sid: str, table: str = "", part: str = "") -> Props:
        """A paragraph style's properties; inside a table of style `table`, the table style's
        pPr/rPr first, then those of its conditional `part` (e.g. "firstRow")."""
        key = (sid, table, part)
        if key not in self._para:
            p = self.base
            for s in self._chain(table):
                p = with_rpr(with_ppr(p, s.find(q("pPr"))), s.find(q("rPr")))
            for s in self._chain(table) if part else []:
                for c in s.findall(q("tblStylePr")):
                    if c.get(q("type")) == part:
                        p = with_rpr(with_ppr(p, c.find(q("pPr"))), c.find(q("rPr")))
            for s in self._chain(sid or self.default_para):
                p = with_rpr(with_ppr(p, s.find(q("pPr"))), s.find(q("rPr")))
            self._para[key] = p
        return self._para[key]

    def char(self, p: Props, sid: str) -> Props:
        key = (p, sid)
        if key not in self._char:
            for s in self._chain(sid):
                p = with_rpr(p, s.find(q("rPr")))
            self._char[key] = p
        return self._char[key]

    def table_margins(self, sid: str) -> tuple[int, int, int, int]:
        """(top, left, bottom, right) cell margins of table style `sid`."""
        out = [0, 108, 0, 108]
        for s in self._chain(sid or self.default_table):
            mar = s.find(f"{q('tblPr')}/{q('tblCellMar')}")
            if mar is not None:
                cell_margins(mar, out)
        return out[0], out[1], out[2], out[3]


def on_attr(e: Element, name: str) -> bool:
    return (e.get(q(name)) or "0").lower() not in OFF


def cell_margins(mar: Element, out: list[int]) -> None:
    for i, side in enumerate(("top", "left", "bottom", "right")):
        e = mar.find(q(side)) if mar.find(q(side)) is not None else None
        if e is None and side in ("left", "right"):
            e = mar.find(q("start" if side == "left" else "end"))
        if e is not None and (v := twips(e, "w")) is not None:
            out[i] = v
