"""The text model: gender-star protection, Randnummern, heading ids and numbers, block texts.

A draft body goes through pandoc once (Markdown -> JSON AST). `annotate` then walks the AST in
render order and
- gives every body block (paragraph, list item, table, quote, code, figure) a Randnummer by
  wrapping it in a Div `#rn-N.rn-block` (inside list items, so the list stays a list),
- gives every heading a stable id (explicit `{#id}` wins, else a slug of its text) and a section
  number such as `2.1` (headings with `{-}` / `.unnumbered` get none),
- records a `Block` per Randnummer (plain text, section) for diff, forms and anchoring.
Format-specific markers (margin number in PDF, styled run in DOCX) are added by the renderers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lafast_docs.workspace.slugs import slugify

Node = dict[str, Any]


def tag_content(node: Node) -> tuple[str, Any]:
    """A pandoc node's tag `t` and content `c` (absent for Space, SoftBreak, LineBreak, ...).

    The content's shape depends on the tag (see pandoc's JSON AST), so it is `Any`: the callers
    unpack it per tag.
    """
    return node["t"], node.get("c")


# -- gender star ---------------------------------------------------------------------------
# `Sozialarbeiter*innen und Erzieher*innen`: a single star between two letters is a gender star,
# never emphasis. Pandoc would pair two of them into <em>; escaping them before pandoc reads the
# text keeps them literal. Code (fenced blocks, `inline`) is left alone.
_STAR = re.compile(r"(?<=[^\W\d_])\*(?=[^\W\d_])")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+).+?\1")


def protect_gender_star(text: str) -> str:
    out: list[str] = []
    fence: str | None = None
    for line in text.splitlines(keepends=True):
        m = _FENCE.match(line)
        if fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            out.append(line)
            continue
        if m:
            fence = m.group(1)
            out.append(line)
            continue
        pos, parts = 0, []
        for cm in _CODE_SPAN.finditer(line):
            parts.append(_STAR.sub(r"\\*", line[pos : cm.start()]))
            parts.append(cm.group(0))
            pos = cm.end()
        parts.append(_STAR.sub(r"\\*", line[pos:]))
        out.append("".join(parts))
    return "".join(out)


# -- the model -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Heading:
    level: int
    number: str  # "2.1", or "" when unnumbered
    id: str
    text: str


@dataclass(frozen=True)
class Block:
    rn: int
    kind: str  # "absatz", "listenpunkt", "tabelle", "zitat", "code", "abbildung"
    section_id: str
    section_number: str
    section_title: str
    text: str


@dataclass
class Annotated:
    ast: Node
    headings: list[Heading] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    def block(self, rn: int) -> Block | None:
        return self.blocks[rn - 1] if 0 < rn <= len(self.blocks) else None


KIND_NAMES = {
    "absatz": "Absatz",
    "listenpunkt": "Listenpunkt",
    "tabelle": "Tabelle",
    "zitat": "Zitat",
    "code": "Code",
    "abbildung": "Abbildung",
    "zeilen": "Zeilen",
}
_SIMPLE = {
    "Para": "absatz",
    "Plain": "absatz",
    "LineBlock": "zeilen",
    "CodeBlock": "code",
    "BlockQuote": "zitat",
    "Table": "tabelle",
    "Figure": "abbildung",
}


def annotate(ast: Node, *, comments: bool = True) -> Annotated:
    """Number blocks and headings in `ast`, in place (see module docstring).

    `comments=False`: the caller has seen every raw element and no HTML comment among them
    (`analysis` does), so the pass that drops them is skipped."""
    result = Annotated(ast)
    if comments:
        drop_html_comments(ast["blocks"])
    state = _State(result)
    ast["blocks"] = state.walk(ast["blocks"])
    return result


class _State:
    def __init__(self, result: Annotated) -> None:
        self.result = result
        self.counters: list[int] = []
        self.base_level = _min_heading_level(result.ast["blocks"])
        self.used_ids: set[str] = _explicit_ids(result.ast["blocks"])
        self.section = ("", "", "")

    def walk(self, blocks: list[Node]) -> list[Node]:
        out: list[Node] = []
        for b in blocks:
            t = b["t"]
            if t == "Header":
                self.header(b)
                out.append(b)
            elif t == "Div":
                b["c"][1] = self.walk(b["c"][1])
                out.append(b)
            elif t in ("BulletList", "OrderedList"):
                items = b["c"] if t == "BulletList" else b["c"][1]
                new_items = [[self.wrap(item, "listenpunkt", item)] for item in items]
                if t == "BulletList":
                    b["c"] = new_items
                else:
                    b["c"][1] = new_items
                out.append(b)
            elif t == "DefinitionList":
                for term, defs in b["c"]:
                    if defs:
                        defs[0] = [self.wrap(defs[0], "listenpunkt", [_term_para(term), *defs[0]])]
                out.append(b)
            elif t in _SIMPLE:
                out.append(self.wrap([b], _SIMPLE[t], [b]))
            elif t == "RawBlock" and _is_html_comment(b):
                continue  # authors' notes in <!-- --> never reach any output
            else:
                out.append(b)
        return out

    def wrap(self, blocks: list[Node], kind: str, text_blocks: list[Node]) -> Node:
        rn = len(self.result.blocks) + 1
        sid, snum, stitle = self.section
        self.result.blocks.append(Block(rn, kind, sid, snum, stitle, blocks_text(text_blocks)))
        return {"t": "Div", "c": [[f"rn-{rn}", ["rn-block"], [["rn", str(rn)]]], blocks]}

    def header(self, b: Node) -> None:
        level, (ident, classes, _attrs), inlines = b["c"]
        text = inlines_text(inlines).strip()
        numbered = "unnumbered" not in classes
        number = ""
        if numbered:
            depth = max(level - self.base_level, 0)
            del self.counters[depth + 1 :]
            while len(self.counters) <= depth:
                self.counters.append(0)
            self.counters[depth] += 1
            number = ".".join(str(c) for c in self.counters)
            b["c"][2] = [
                {"t": "Span", "c": [["", ["secnum"], []], [{"t": "Str", "c": number}]]},
                {"t": "Space"},
                *inlines,
            ]
        if not ident:
            ident = _unique(slugify(text) or "abschnitt", self.used_ids)
            b["c"][1][0] = ident
        self.section = (ident, number, text)
        self.result.headings.append(Heading(level, number, ident, text))


def _min_heading_level(blocks: list[Node]) -> int:
    levels = [b["c"][0] for b in _iter_blocks(blocks) if b["t"] == "Header"]
    return min(levels) if levels else 1


def _explicit_ids(blocks: list[Node]) -> set[str]:
    return {b["c"][1][0] for b in _iter_blocks(blocks) if b["t"] == "Header" and b["c"][1][0]}


def _iter_blocks(blocks: list[Node]):
    for b in blocks:
        yield b
        if b["t"] == "Div":
            yield from _iter_blocks(b["c"][1])


def _unique(base: str, used: set[str]) -> str:
    ident, n = base, 1
    while ident in used:
        n += 1
        ident = f"{base}-{n}"
    used.add(ident)
    return ident


def _term_para(term: list[Node]) -> Node:
    return {"t": "Plain", "c": term}


def _is_html_comment(b: Node) -> bool:
    fmt, text = b["c"]
    return fmt == "html" and bool(re.fullmatch(r"\s*<!--.*?-->\s*", text, re.S))


def _is_gap(item: Any) -> bool:
    return isinstance(item, dict) and item.get("t") in ("Space", "SoftBreak")


def drop_html_comments(node: Any) -> None:
    """Remove authors' notes (`<!-- … -->`) everywhere in the AST, in place: block comments and
    comments inside a paragraph, list item, table cell or emphasis, so that no output (HTML,
    PDF, DOCX, the site, the forms) carries them, not even in its source. Of the two spaces
    around an inline note one stays."""
    if isinstance(node, dict):
        node = node.get("c")
    if not isinstance(node, list):
        return
    kept: list[Any] = []
    after_note = False
    for item in node:
        if (
            isinstance(item, dict)
            and item.get("t") in ("RawInline", "RawBlock")
            and _is_html_comment(item)
        ):
            after_note = bool(kept) and _is_gap(kept[-1])
            continue
        if after_note and _is_gap(item):
            after_note = False
            continue
        after_note = False
        drop_html_comments(item)
        kept.append(item)
    node[:] = kept


# Inline elements that only wrap other inlines (formatting)
WRAPPERS = frozenset(
    ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps")
)


# -- plain text ------------------------------------------------------------------------------
def inlines_text(inlines: list[Node]) -> str:
    parts: list[str] = []
    for i in inlines:
        t: str = i["t"]  # tag_content, inlined: called for every word of the text
        c: Any = i.get("c")
        if t == "Str":
            parts.append(c)
        elif t in ("Space", "SoftBreak"):
            parts.append(" ")
        elif t == "LineBreak":
            parts.append("\n")
        elif t in WRAPPERS:
            parts.append(inlines_text(c))
        elif t in ("Span", "Link", "Image"):
            if t == "Span" and "secnum" in c[0][1]:
                continue
            parts.append(inlines_text(c[1]))
        elif t == "Quoted":
            q = ("„", "“") if c[0]["t"] == "DoubleQuote" else ("‚", "‘")
            parts.append(q[0] + inlines_text(c[1]) + q[1])
        elif t == "Cite":
            parts.append(inlines_text(c[1]))
        elif t in ("Code", "Math"):
            parts.append(c[1])
        # Note, RawInline: not part of the running text
    return "".join(parts)


def blocks_text(blocks: list[Node]) -> str:
    parts: list[str] = []
    for b in blocks:
        t: str = b["t"]
        c: Any = b.get("c")
        if t in ("Para", "Plain", "Header"):
            parts.append(inlines_text(c if t != "Header" else c[2]))
        elif t == "LineBlock":
            parts.append("\n".join(inlines_text(line) for line in c))
        elif t == "CodeBlock":
            parts.append(c[1])
        elif t in ("BlockQuote",):
            parts.append(blocks_text(c))
        elif t == "Div":
            parts.append(blocks_text(c[1]))
        elif t in ("BulletList",):
            parts.extend(blocks_text(item) for item in c)
        elif t == "OrderedList":
            parts.extend(blocks_text(item) for item in c[1])
        elif t == "DefinitionList":
            for term, defs in c:
                parts.append(inlines_text(term))
                parts.extend(blocks_text(d) for d in defs)
        elif t == "Table":
            parts.append(_table_text(c))
        elif t == "Figure":
            parts.append(blocks_text(c[2]))
    return "\n".join(p for p in (s.strip() for s in parts) if p)


def _table_text(c: list[Any]) -> str:
    _attr, caption, _specs, head, bodies, foot = c
    rows: list[str] = []
    cap = blocks_text(caption[1])
    if cap:
        rows.append(cap)

    def add_rows(rowlist: list[Any]) -> None:
        for _rattr, cells in rowlist:
            rows.append(" | ".join(blocks_text(cell[4]) for cell in cells))

    add_rows(head[1])
    for body in bodies:
        add_rows(body[2])
        add_rows(body[3])
    add_rows(foot[1])
    return "\n".join(rows)


def walk(node: Any, fn) -> None:
    """Call `fn(element)` on every AST element (block or inline) in `node`, depth first.

    `fn` may replace an element's content: what is walked below it is read after the call."""
    if isinstance(node, list):
        _walk_list(node, fn)
    elif isinstance(node, dict):
        _walk_dict(node, fn)


# inline elements that hold no other element: most of a text's elements
LEAVES = frozenset(("Str", "Space", "SoftBreak", "LineBreak"))


def walk_kinds(node: Any, kinds: frozenset[str], fn) -> None:
    """`walk`, calling `fn` only on elements whose tag is in `kinds` (the same elements in the
    same order as `walk` with a filter in `fn`, without a call for every word)."""
    skip = LEAVES - kinds

    def in_list(items: list[Any]) -> None:
        for item in items:
            kind = type(item)
            if kind is dict:
                if item.get("t") not in skip:
                    in_dict(item)
            elif kind is list:
                in_list(item)
            elif isinstance(item, (dict, list)):
                walk_kinds(item, kinds, fn)

    def in_dict(el: dict[str, Any]) -> None:
        if el.get("t") in kinds:
            fn(el)
        c = el["c"] if "c" in el else el.get("blocks") if "blocks" in el else None
        if isinstance(c, list):
            in_list(c)
        elif isinstance(c, dict):
            in_dict(c)

    if isinstance(node, list):
        in_list(node)
    elif isinstance(node, dict):
        in_dict(node)


def _walk_list(items: list[Any], fn) -> None:
    # the hot loop of every whole-text pass (~40,000 elements in 70 pages): strings and
    # numbers, most of the items, are skipped without a call
    for item in items:
        kind = type(item)
        if kind is dict:
            _walk_dict(item, fn)
        elif kind is list:
            _walk_list(item, fn)
        elif isinstance(item, (dict, list)):
            walk(item, fn)


def _walk_dict(node: dict[str, Any], fn) -> None:
    if "t" in node:
        fn(node)
    if "c" in node:
        c = node["c"]
    elif "blocks" in node:
        c = node["blocks"]
    else:
        return
    if isinstance(c, list):
        _walk_list(c, fn)
    elif isinstance(c, dict):
        _walk_dict(c, fn)
