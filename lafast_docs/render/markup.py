"""Format-specific finishing of the annotated AST: Randnummer markers, footnotes, images.

`textmodel.annotate` wraps every numbered block in `Div#rn-N.rn-block`; here each output gets the
marker it can show: a margin number for print, a link for the web page, a styled run in DOCX.
"""

from __future__ import annotations

import base64
import math
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lafast_docs.render import figures
from lafast_docs.text.analysis import IMAGE_TYPES, Analysis
from lafast_docs.text.textmodel import Node, walk, walk_kinds

Marker = Callable[[str], list[Node]]


def _span(classes: list[str], inlines: list[Node], attrs: list[list[str]] | None = None) -> Node:
    return {"t": "Span", "c": [["", classes, attrs or []], inlines]}


def print_marker(rn: str) -> list[Node]:
    # PDF/UA: the outer span stays inline (tagged inside P or LBody); only the inner one is
    # positioned into the margin. A positioned element directly in <li> breaks rule 7.2-20.
    inner = _span(["rn-nr"], [{"t": "Str", "c": rn}])
    return [{"t": "Span", "c": [[f"rn-{rn}", ["rn"], []], [inner]]}]


def web_marker(rn: str) -> list[Node]:
    link = {
        "t": "Link",
        "c": [
            ["", ["rn"], [["aria-label", f"Randnummer {rn}"]]],
            [{"t": "Str", "c": rn}],
            [f"#rn-{rn}", ""],
        ],
    }
    return [link]


def docx_marker(rn: str) -> list[Node]:
    return [
        _span([], [{"t": "Str", "c": rn}], [["custom-style", "Randnummer"]]),
        {"t": "Str", "c": "\u2003"},
    ]


def add_markers(blocks: list[Node], marker: Marker) -> None:
    """Put `marker(rn)` at the start of the first paragraph of every numbered block."""
    for b in blocks:
        if b["t"] == "Div":
            attrs = dict(b["c"][0][2])
            if "rn-block" in b["c"][0][1] and "rn" in attrs:
                _prepend(b["c"][1], marker(attrs["rn"]))
            else:
                add_markers(b["c"][1], marker)
        elif b["t"] in ("BulletList", "OrderedList"):
            items = b["c"] if b["t"] == "BulletList" else b["c"][1]
            for item in items:
                add_markers(item, marker)
        elif b["t"] == "DefinitionList":
            for _term, defs in b["c"]:
                for d in defs:
                    add_markers(d, marker)


def _prepend(blocks: list[Node], inlines: list[Node]) -> None:
    first = blocks[0] if blocks else None
    if first is not None and first["t"] in ("Para", "Plain"):
        first["c"][:0] = inlines
    elif first is not None and first["t"] in ("BlockQuote", "Div"):
        inner = first["c"] if first["t"] == "BlockQuote" else first["c"][1]
        _prepend(inner, inlines)
    else:  # table, code, figure: the number stands in its own paragraph before it, kept with
        # it on one page (print.css: .rn-solo)
        blocks.insert(0, {"t": "Div", "c": [["", ["rn-solo"], []], [{"t": "Para", "c": inlines}]]})


def unwrap_rn_blocks(blocks: list[Node]) -> list[Node]:
    """Replace the `Div.rn-block` wrappers by their content (print: no Div inside LI)."""
    out: list[Node] = []
    for b in blocks:
        t = b["t"]
        if t == "Div":
            b["c"][1] = unwrap_rn_blocks(b["c"][1])
            if "rn-block" in b["c"][0][1]:
                out.extend(b["c"][1])
                continue
        elif t == "BlockQuote":
            b["c"] = unwrap_rn_blocks(b["c"])
        elif t in ("BulletList", "OrderedList"):
            items = b["c"] if t == "BulletList" else b["c"][1]
            items[:] = [unwrap_rn_blocks(item) for item in items]
        elif t == "DefinitionList":
            for _term, defs in b["c"]:
                defs[:] = [unwrap_rn_blocks(d) for d in defs]
        out.append(b)
    return out


def notes_inline(blocks: list[Node]) -> None:
    """Footnotes become `<span class="footnote">` for WeasyPrint's `float: footnote`."""

    def visit(el: Node) -> None:
        if el["t"] in ("Para", "Plain"):
            el["c"] = [_note_span(i) if i["t"] == "Note" else i for i in el["c"]]

    walk(blocks, visit)


def _note_span(note: Node) -> Node:
    inlines: list[Node] = []
    for b in note["c"]:
        if b["t"] in ("Para", "Plain"):
            if inlines:
                inlines.append({"t": "Space"})
            inlines.extend(b["c"])
    return _span(["footnote"], inlines)


def images_as(
    blocks: list[Node],
    analysis: Analysis,
    how: str,
    also: Callable[[Node], None] | None = None,
    also_kinds: frozenset[str] = frozenset(),
) -> None:
    """Point images at checked files: `file` URLs (print, via the safe fetcher) or data URIs.
    `also` is called in the same walk on every element whose tag is in `also_kinds` (a
    format's own finishing)."""

    def visit(el: Node) -> None:
        if el["t"] == "Image":
            src = el["c"][2][0]
            path = analysis.images[src]
            el["c"][2][0] = path.as_uri() if how == "file" else data_uri(path)
        if also is not None and el["t"] in also_kinds:
            also(el)

    walk_kinds(blocks, also_kinds | {"Image"}, visit)


def data_uri(path: Path) -> str:
    mime = IMAGE_TYPES[path.suffix.lower()]
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def fast_copy(ast: Any) -> Any:
    """Deep copy of a JSON tree; several times faster than copy.deepcopy on a large AST."""
    return pickle.loads(pickle.dumps(ast, protocol=pickle.HIGHEST_PROTOCOL))


def prepared(
    analysis: Analysis,
    *,
    marker: Marker,
    images: str,
    inline_notes: bool,
    unwrap: bool = False,
    also: Callable[[Node], None] | None = None,
    also_kinds: frozenset[str] = frozenset(),
    own: bool = False,
) -> Node:
    """The analysis' AST finished for one format. `also`, `also_kinds`: see `images_as`; `own`:
    the analysis is this format's alone, its AST is changed in place instead of copied."""
    ast: dict[str, Any] = analysis.model.ast if own else fast_copy(analysis.model.ast)
    size_columns(ast["blocks"])
    add_markers(ast["blocks"], marker)
    ast["blocks"].extend(figures.annex_blocks(analysis))
    if unwrap:
        ast["blocks"] = unwrap_rn_blocks(ast["blocks"])
    if inline_notes:
        notes_inline(ast["blocks"])
    images_as(ast["blocks"], analysis, images, also, also_kinds)
    return ast


# -- table columns by content --------------------------------------------------------------------
TABLE_CHARS = 88  # characters of 9 pt table text in a 15.5 cm text column
CELL_CHARS = 2  # what the cell padding takes, in characters


def size_columns(blocks: list[Node]) -> None:
    """Relative column widths from the cells' text, replacing what the author's dashes implied:
    every column at least as wide as its longest word, the rest shared by how much text it
    holds (so a text column is not squeezed into hyphen fragments beside a number column)."""

    walk_kinds(blocks, frozenset({"Table"}), _size_table)


def _size_table(table: Node) -> None:
    _attr, _caption, colspecs, head, bodies, foot = table["c"]
    n = len(colspecs)
    least, natural = [CELL_CHARS + 3] * n, [CELL_CHARS + 3] * n
    rows = list(head[1]) + [r for b in bodies for r in (*b[2], *b[3])] + list(foot[1])
    for row in rows:
        col = 0
        for cell in row[1]:
            span = cell[3]
            if span == 1 and col < n:
                text = " ".join(_plain(b) for b in cell[4])
                longest = max((len(w) for w in text.split()), default=1)
                bold = 1.12 if row in head[1] else 1.0  # header cells are set in bold
                least[col] = max(least[col], CELL_CHARS + math.ceil(longest * bold))
                natural[col] = max(natural[col], CELL_CHARS + len(text))
            col += span
    widths = share_widths(least, natural, TABLE_CHARS)
    total = sum(widths)
    for spec, w in zip(colspecs, widths, strict=True):
        spec[1] = {"t": "ColWidth", "c": round(w / total, 4)}


def share_widths(least: list[int], natural: list[int], width: int) -> list[int]:
    """CSS's automatic table layout in short: natural widths if they fit (stretched to the full
    width), else each column its least width plus a share of the rest by what it wants more."""
    if sum(natural) <= width:
        return [round(x * width / sum(natural)) for x in natural]
    if sum(least) >= width:  # not even the longest words fit: share by them
        return [round(m * width / sum(least)) for m in least]
    rest = width - sum(least)
    wants = [x - m for x, m in zip(natural, least, strict=True)]
    return [m + round(rest * w / sum(wants)) for m, w in zip(least, wants, strict=True)]


def _plain(node: Any) -> str:
    """The text of an AST node (Str, Space, Code …), without markup."""
    if isinstance(node, list):
        return "".join(_plain(x) for x in node)
    if not isinstance(node, dict):
        return ""
    t = node.get("t")
    if t == "Str":
        return str(node["c"])
    if t in ("Space", "SoftBreak", "LineBreak"):
        return " "
    if t == "Code":
        return str(node["c"][1])
    return _plain(node.get("c"))
