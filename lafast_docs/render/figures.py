"""References to the register in each output: DOCX styles that keep them, PDF link texts, annex.

`text/references.py` has already put each value (linked to its source) into the text model.
Here each format gets what it needs besides:
- DOCX: the value's run gets the character style „Kennzahl <id>“ / „Rechtsgrundlage <id>“,
  inside the hyperlink (pandoc gives a hyperlink's run its own style otherwise). Word keeps
  character styles through editing, and pandoc reads them back (`-f docx+styles`), so
  `from_docx` turns them into `[1:80]{kz=…}` again: the Word round trip keeps the reference.
- PDF: the source link's alternative description (PDF/UA) names the figure and its source.
- an optional annex (front matter `anhang_kennzahlen: true`) lists every figure and norm the
  document uses, with value, validity and source.
"""

from __future__ import annotations

import re
from typing import Any

from lafast_docs.text import textmodel
from lafast_docs.text.analysis import Analysis
from lafast_docs.text.references import describe, ref_of
from lafast_docs.text.register import KIND_NAMES, KINDS, Entry, Period
from lafast_docs.text.textmodel import Node

ANNEX_KEY = "anhang_kennzahlen"
ANNEX_ID = "anhang-kennzahlen"
_STYLE = {kind: f"{name} " for kind, name in KIND_NAMES.items()}


def docx_style(el: Node) -> None:
    """A value run gets the character style that names its entry (called on every element of
    the DOCX's AST, in the one walk of `docx.docx_ast`)."""
    ref = ref_of(el)
    if ref is None:
        return
    kind, entry_id = ref
    style = [["custom-style", _STYLE[kind] + entry_id]]
    inlines = el["c"][1]
    target = inlines[0]["c"][1] if len(inlines) == 1 and inlines[0]["t"] == "Link" else inlines
    target[:] = [{"t": "Span", "c": [["", [], style], list(target)]}]


def from_docx(ast: Node) -> int:
    """In an AST read from DOCX (`-f docx+styles`): turn the entry styles back into
    references `[value]{kz=id}`, dropping the link around them. Returns how many."""
    count = 0
    prefixes = {style: kind for kind, style in _STYLE.items()}

    def convert(inlines: list[Node]) -> list[Node]:
        nonlocal count
        out: list[Node] = []
        for el in inlines:
            inner = el
            if el["t"] == "Link" and len(el["c"][1]) == 1:
                inner = el["c"][1][0]
            style = dict(inner["c"][0][2]).get("custom-style", "") if inner["t"] == "Span" else ""
            kind = next((k for p, k in prefixes.items() if style.startswith(p)), None)
            if kind is not None:
                count += 1
                out.append(
                    {
                        "t": "Span",
                        "c": [["", [], [[kind, style[len(_STYLE[kind]) :]]]], inner["c"][1]],
                    }
                )
            else:
                out.append(el)
        return out

    def visit(el: Node) -> None:
        if el["t"] in ("Para", "Plain"):
            el["c"] = convert(el["c"])

    textmodel.walk(ast["blocks"], visit)
    return count


def _linked(analysis: Analysis) -> dict[str, list[tuple[Entry, Period]]]:
    """Source link -> the entries (with the period shown) whose values link to it."""
    figures = analysis.draft.figures
    found: dict[str, list[tuple[Entry, Period]]] = {}
    if figures is None:
        return found
    for use in analysis.uses:
        entry = figures.register.get(use.kind, use.id)
        period = entry.at(figures.stand) if entry is not None else None
        if entry is not None and period is not None and period.link:
            pairs = found.setdefault(period.link, [])
            if (entry, period) not in pairs:
                pairs.append((entry, period))
    return found


def link_texts(analysis: Analysis) -> dict[str, str]:
    """Source link -> its German description, for the PDF's link annotations. A link the
    author wrote to the same address keeps the plain description, so none is mislabelled."""
    written: set[str] = set()

    def visit(el: Node) -> None:
        if el["t"] == "Link" and "quelle" not in el["c"][0][1]:
            written.add(el["c"][2][0])

    textmodel.walk(analysis.model.ast["blocks"], visit)
    return {
        link: "; ".join(describe(e, p) for e, p in pairs) + f" ({link})"
        for link, pairs in _linked(analysis).items()
        if link not in written
    }


def linked_style_ids(analysis: Analysis) -> tuple[str, ...]:
    """The DOCX character styles of the values linked to their source (for `docx_link_look`)."""
    return tuple(
        sorted(
            {
                (_STYLE[e.kind] + e.id).replace(" ", "")
                for pairs in _linked(analysis).values()
                for e, _p in pairs
            }
        )
    )


def docx_link_look(styles: bytes, style_ids: tuple[str, ...]) -> bytes:
    """Values linked to their source look like links in Word too: pandoc bases the entry's
    character style on the body text; in `styles` (word/styles.xml) it is based on „Hyperlink“
    instead (blue, underlined). `style_ids`: `linked_style_ids`. `docxpost.finish` applies it
    with its other part edits."""
    if not style_ids:
        return styles
    pattern = re.compile(
        r'(<w:style w:type="character" w:customStyle="1" w:styleId="(?:'
        + "|".join(sorted(re.escape(i) for i in style_ids))
        + r')">.*?<w:basedOn w:val=")[^"]*(")',
        re.S,
    )
    return pattern.sub(r"\1Hyperlink\2", styles.decode("utf-8")).encode("utf-8")


def annex_blocks(analysis: Analysis) -> list[Node]:
    """„Anhang: Kennzahlen und Rechtsgrundlagen“: one row per entry used, in order of use."""
    figures = analysis.draft.figures
    if not analysis.uses or figures is None or not analysis.draft.meta.get(ANNEX_KEY):
        return []
    rows: list[list[str]] = []
    seen: set[tuple[str, str]] = set()
    for use in analysis.uses:
        entry = figures.register.get(use.kind, use.id)
        if entry is None or (use.kind, use.id) in seen:
            continue
        seen.add((use.kind, use.id))
        period = entry.at(figures.stand)
        rns = sorted({u.rn for u in analysis.uses if (u.kind, u.id) == (use.kind, use.id) and u.rn})
        rows.append(
            [
                entry.title or entry.id,
                period.value if period else "(kein Wert zum Stand)",
                period.span() if period else "",
                (period.source or period.version or period.link) if period else "",
                ", ".join(str(r) for r in rns),
            ]
        )
    heading = {
        "t": "Header",
        "c": [1, [ANNEX_ID, ["unnumbered"], []], [_str("Anhang: Kennzahlen und Rechtsgrundlagen")]],
    }
    return [heading, _table(["Angabe", "Wert", "Gültig", "Quelle", "Rn."], rows)]


def _str(text: str) -> Node:
    return {"t": "Str", "c": text}


def _cell(text: str) -> Any:
    return [
        ["", [], []],
        {"t": "AlignDefault"},
        1,
        1,
        [{"t": "Plain", "c": [_str(text)]}] if text else [],
    ]


def _table(head: list[str], rows: list[list[str]]) -> Node:
    def row(cells: list[str]) -> Any:
        return [["", [], []], [_cell(c) for c in cells]]

    colspecs = [[{"t": "AlignDefault"}, {"t": "ColWidthDefault"}] for _ in head]
    return {
        "t": "Table",
        "c": [
            ["", [], []],
            [None, []],
            colspecs,
            [["", [], []], [row(head)]],
            [[["", [], []], 0, [], [row(r) for r in rows]]],
            [["", [], []], []],
        ],
    }


__all__ = [
    "ANNEX_KEY",
    "KINDS",
    "annex_blocks",
    "docx_link_look",
    "docx_style",
    "from_docx",
    "link_texts",
    "linked_style_ids",
]
