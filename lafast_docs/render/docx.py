"""DOCX by pandoc with the type's styled reference document, finished by `docxpost`.

A document (and its redline) gets a title page with the metadata as a table, a filled table of
contents, Randnummern in the margin, header and footer from the workspace's organisation and,
in a final version, the sign-off block. Randnummern are runs in the character style `Randnummer`,
section numbers in `Abschnittsnummer`, the lines under the title of a form in `Titelangaben`,
its funding note in `Foerderhinweis`. Title, authors,
keywords go into the core document properties; version, Stand, type and commit into custom
properties (pandoc writes unknown metadata fields as custom properties).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lafast_docs.external import pandoc, resources
from lafast_docs.render import cache, docxfront, docxpost, figures, markup
from lafast_docs.render.context import title_rows
from lafast_docs.storage.files import atomic_write
from lafast_docs.text.analysis import Analysis
from lafast_docs.text.textmodel import Node
from lafast_docs.workspace import Workspace


def _para(text: str) -> Node:
    return {"t": "Para", "c": [{"t": "Str", "c": text}]}


def _styled_div(style: str, paras: list[str]) -> Node:
    return {"t": "Div", "c": [["", [], [["custom-style", style]]], [_para(p) for p in paras]]}


def title_lines(ctx: dict[str, Any]) -> list[str]:
    lines = [f"{ctx['type_name']} · Version {ctx['version']} · Stand: {ctx['stand']}"]
    if ctx["geltungsbereich"]:
        lines.append(f"Geltungsbereich: {ctx['geltungsbereich']}")
    if ctx["adressat"]:
        lines.append(f"An: {ctx['adressat']}")
    if ctx["bezug_titel"]:
        datum = f" vom {ctx['bezug_datum']}" if ctx["bezug_datum"] else ""
        lines.append(f"Bezug: {ctx['bezug_titel']}{datum}")
    if ctx["frist"]:
        lines.append(f"Frist: {ctx['frist']}")
    if ctx.get("final"):
        lines.append(f"Fassung: {ctx['commit']}")
        lines.append(
            "Freigegeben: "
            + "; ".join(f"{s['name']} ({s['role']}, {s['date']})" for s in ctx["signoffs"])
        )
    lines.append(ctx["org_name"])
    return lines


def docx_ast(
    analysis: Analysis, ctx: dict[str, Any], *, office: bool = False, own: bool = False
) -> Node:
    """The AST pandoc writes; `office`: the title page and footer come from `docxpost`
    (no title lines, no funding note at the end), a final version ends with its sign-off.
    `own`: the analysis serves this DOCX alone; its AST is changed in place, not copied."""

    def styles(el: Node) -> None:  # section numbers and register values, in the images' walk
        if el["t"] == "Span" and "secnum" in el["c"][0][1]:
            el["c"][0][2].append(["custom-style", "Abschnittsnummer"])
        figures.docx_style(el)

    ast = markup.prepared(
        analysis,
        marker=markup.docx_marker,
        images="data",
        inline_notes=False,
        also=styles,
        also_kinds=frozenset({"Span"}),  # both act on spans alone
        own=own,
    )
    ast["meta"] = metadata(ctx)
    if office:
        if docx_logo(ctx):  # pandoc embeds it; docxfront moves it onto the title page
            ast["blocks"].insert(0, docx_logo(ctx))
        if ctx.get("final"):
            ast["blocks"].extend(signoff_blocks(ctx))
        return ast
    ast["blocks"].insert(0, _styled_div("Titelangaben", title_lines(ctx)))
    if ctx["funding_note"]:
        ast["blocks"].append(_styled_div("Foerderhinweis", [ctx["funding_note"]]))
    return ast


def docx_logo(ctx: dict[str, Any]) -> Node | None:
    """The logo as an image paragraph, 1.6 cm high (an SVG gets its PNG in `docxsvg`)."""
    logo = ctx.get("logo")
    if not logo:
        return None
    attr = ["", [], [["height", "1.6cm"]]]
    image = {"t": "Image", "c": [attr, [{"t": "Str", "c": logo["alt"]}], [logo["data"], ""]]}
    return {"t": "Para", "c": [image]}


def signoff_blocks(ctx: dict[str, Any]) -> list[Node]:
    """The final version's sign-off: who approved it, and what exactly (as in the PDF)."""
    rows = [[inlines(s["name"]), inlines(s["role"]), inlines(s["date"])] for s in ctx["signoffs"]]
    heading = {
        "t": "Header",
        "c": [1, ["freigabe", ["unnumbered"], []], [{"t": "Str", "c": "Freigabe"}]],
    }
    closing = (
        f"Version {ctx['version']}, Stand {ctx['stand']}, Fassung {ctx['commit']}. "
        f"Prüfsumme der Freigabe: {ctx['freigabe']}"
    )
    return [
        heading,
        docx_table(
            "Diese Fassung wurde freigegeben von:",
            ["Name", "Rolle", "Datum"],
            [0.4, 0.4, 0.2],
            rows,
        ),
        {"t": "Para", "c": inlines(closing)},
    ]


def layout(
    ctx: dict[str, Any],
    *,
    title_page: bool,
    toc: bool,
    svgs: tuple[tuple[str, str], ...] = (),
) -> docxpost.Layout:
    """Header and footer from the organisation; a title page and margin numbers for texts.
    `svgs`: `svg_files` of the draft's checked images and the logo (named in an error)."""
    page = docxfront.TitlePage(
        org=ctx["org_name"],
        kind=ctx["type_name"],
        title=ctx["title"],
        subtitle=ctx["subtitle"],
        rows=tuple(title_rows(ctx)),
        logo=docx_logo(ctx) is not None,
    )
    return docxpost.Layout(
        header=ctx["org_short"] or ctx["org_name"],
        footer_note=ctx["funding_note"],
        title_page=page if title_page else None,
        toc=toc and title_page,
        margin_numbers=title_page,
        svg_files=svgs,
    )


def svg_files(paths: list[Path]) -> tuple[tuple[str, str], ...]:
    """SHA-256 of each SVG's bytes -> its path: pandoc embeds them unchanged under new names."""
    return tuple(
        (hashlib.sha256(p.read_bytes()).hexdigest(), str(p))
        for p in paths
        if p.suffix.lower() == ".svg"
    )


def metadata(ctx: dict[str, Any]) -> dict[str, Node]:
    """Pandoc metadata as literal strings (never parsed as Markdown or YAML)."""
    fields = {
        "title": ctx["title"],
        "subtitle": ctx["subtitle"],
        "lang": ctx["lang"],
        "toc-title": "Inhalt",
        "keywords": ", ".join(ctx["keywords"]),
        "subject": ctx["type_name"],
        "description": f"{ctx['type_name']} der {ctx['org_name']}, Version {ctx['version']}, "
        f"Stand {ctx['stand']}",
        "lafast-version": ctx["version"],
        "lafast-stand": ctx["stand_iso"],
        "lafast-typ": ctx["type"],
        "lafast-dokument": ctx["slug"],
        "lafast-commit": ctx["commit"] or "nicht gespeichert",
        "lafast-freigabe": ctx.get("freigabe", ""),
    }
    meta: dict[str, Node] = {k: {"t": "MetaString", "c": v} for k, v in fields.items() if v}
    if ctx["authors"]:
        meta["author"] = {
            "t": "MetaList",
            "c": [{"t": "MetaString", "c": a} for a in ctx["authors"]],
        }
    return meta


def write_docx(
    ws: Workspace,
    analysis: Analysis,
    ctx: dict[str, Any],
    target: Path,
    *,
    extra_meta: dict[str, str] | None = None,
    front: list[Node] | None = None,
    toc: bool = True,
) -> None:
    """`docx_bytes` written to `target`."""
    atomic_write(target, docx_bytes(ws, analysis, ctx, extra_meta=extra_meta, front=front, toc=toc))


@dataclass(frozen=True)
class PandocInput:
    """What pandoc reads for a DOCX (its JSON) and what the finishing needs of the analysis:
    all of it is kept per content key by `docxinput` (no analysis for an unchanged text)."""

    json: bytes
    slug: str
    doc_type: str
    svg_files: tuple[tuple[str, str], ...]  # SHA-256 of an SVG picture's bytes -> its file
    link_styles: tuple[str, ...]  # `figures.linked_style_ids`
    office: bool  # a title page, filled TOC and margin numbers (else a form's own front)
    toc: bool


def docx_bytes(
    ws: Workspace,
    analysis: Analysis,
    ctx: dict[str, Any],
    *,
    extra_meta: dict[str, str] | None = None,
    front: list[Node] | None = None,
    toc: bool = True,
) -> bytes:
    """The DOCX; without `front` a title page, with `front` (e.g. a form's cover page) the title
    lines after it and the Randnummern inline, as the DOCX reader of returned forms expects.
    `extra_meta` become further custom document properties."""
    return docx_of(
        ws, pandoc_input(analysis, ctx, extra_meta=extra_meta, front=front, toc=toc), ctx
    )


def pandoc_input(
    analysis: Analysis,
    ctx: dict[str, Any],
    *,
    extra_meta: dict[str, str] | None = None,
    front: list[Node] | None = None,
    toc: bool = True,
    own: bool = False,
) -> PandocInput:
    """The analysed draft as pandoc's JSON for `docx_of` (see `docx_bytes`); `own`: see
    `docx_ast`."""
    office = front is None
    images = [*analysis.images.values(), *([ctx["logo"]["path"]] if ctx.get("logo") else [])]
    svgs, link_styles = svg_files(images), figures.linked_style_ids(analysis)  # before `own`
    ast = docx_ast(analysis, ctx, office=office, own=own)
    for key, value in (extra_meta or {}).items():
        ast["meta"][key] = {"t": "MetaString", "c": value}
    if front:
        ast["blocks"][:0] = front
    return PandocInput(
        json=pandoc.ast_json(ast),
        slug=analysis.draft.slug,
        doc_type=analysis.draft.type,
        svg_files=svgs,
        link_styles=link_styles,
        office=office,
        toc=toc,
    )


def docx_of(ws: Workspace, inp: PandocInput, ctx: dict[str, Any]) -> bytes:
    """pandoc's DOCX of `inp` with the type's reference document, finished by `docxpost`."""
    reference = resources.find_template(ws, inp.doc_type, "reference.docx")
    args = [*(["--toc", "--toc-depth=2"] if inp.toc else []), f"--reference-doc={reference}"]
    data = pandoc.json_to("docx", inp.json, args, output=Path("-"))
    plan = layout(ctx, title_page=inp.office, toc=inp.toc, svgs=inp.svg_files)
    private = cache.private_dir(ws) if plan.svg_files or plan.toc else None
    if private is not None:  # kept between renders: charts as PNG, the lines of a TOC's layout
        plan = replace(
            plan,
            raster_cache=str(private / "raster") if plan.svg_files else "",
            line_memo=str(private / "zeilen" / f"{inp.slug}.json") if plan.toc else "",
        )
    edits = {"word/styles.xml": lambda styles: figures.docx_link_look(styles, inp.link_styles)}
    return docxpost.finish(data, plan, edits)


def pandoc_docx(ast: Node, args: list[str]) -> bytes:
    """pandoc's DOCX of `ast`; pandoc writes a binary format to stdout only with `-o -`."""
    return pandoc.json_to("docx", pandoc.ast_json(ast), args, output=Path("-"))


# -- tables in pandoc's AST (literal text only: much of it comes from outside the office) ----------
_NO_ATTR: list[Any] = ["", [], []]


def inlines(text: str) -> list[Node]:
    """Literal text as pandoc inlines (line breaks kept; an en dash for empty text)."""
    out: list[Node] = []
    for i, part in enumerate(text.split("\n")):
        if i:
            out.append({"t": "LineBreak"})
        out.append({"t": "Str", "c": part})
    return out or [{"t": "Str", "c": "–"}]


def _cell(content: list[Node]) -> list[Any]:
    return [_NO_ATTR, {"t": "AlignDefault"}, 1, 1, [{"t": "Plain", "c": content}]]


def docx_table(
    caption: str, heads: list[str], widths: list[float], rows: list[list[list[Node]]]
) -> Node:
    """A pandoc Table: a header row that repeats on every page, then `rows` of inline lists."""
    head_row = [_NO_ATTR, [_cell(inlines(h)) for h in heads]]
    body = [[_NO_ATTR, [_cell(c) for c in r]] for r in rows]
    return {
        "t": "Table",
        "c": [
            _NO_ATTR,
            [None, [{"t": "Plain", "c": inlines(caption)}]],
            [[{"t": "AlignLeft"}, {"t": "ColWidth", "c": w}] for w in widths],
            [_NO_ATTR, [head_row]],
            [[_NO_ATTR, 0, [], body]],
            [_NO_ATTR, []],
        ],
    }
