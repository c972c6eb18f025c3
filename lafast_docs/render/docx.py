"""DOCX by pandoc with the type's styled reference document.

Randnummern are runs in the character style `Randnummer`, section numbers in `Abschnittsnummer`,
the lines under the title in `Titelangaben`, the funding note in `Foerderhinweis`. Title, authors,
keywords go into the core document properties; version, Stand, type and commit into custom
properties (pandoc writes unknown metadata fields as custom properties).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lafast_docs.external import pandoc, resources
from lafast_docs.render import figures, markup
from lafast_docs.storage.files import atomic_write
from lafast_docs.text.analysis import Analysis
from lafast_docs.text.textmodel import Node, walk
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


def docx_ast(analysis: Analysis, ctx: dict[str, Any]) -> Node:
    ast = markup.prepared(analysis, marker=markup.docx_marker, images="data", inline_notes=False)

    def style_secnum(el: Node) -> None:
        if el["t"] == "Span" and "secnum" in el["c"][0][1]:
            el["c"][0][2].append(["custom-style", "Abschnittsnummer"])

    walk(ast["blocks"], style_secnum)
    figures.docx_styles(ast["blocks"])
    ast["meta"] = metadata(ctx)
    ast["blocks"].insert(0, _styled_div("Titelangaben", title_lines(ctx)))
    if ctx["funding_note"]:
        ast["blocks"].append(_styled_div("Foerderhinweis", [ctx["funding_note"]]))
    return ast


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


def docx_bytes(
    ws: Workspace,
    analysis: Analysis,
    ctx: dict[str, Any],
    *,
    extra_meta: dict[str, str] | None = None,
    front: list[Node] | None = None,
    toc: bool = True,
) -> bytes:
    """The DOCX; `front` blocks come before the title lines (e.g. a form's cover page),
    `extra_meta` become further custom document properties."""
    reference = resources.find_template(ws, analysis.draft.type, "reference.docx")
    ast = docx_ast(analysis, ctx)
    for key, value in (extra_meta or {}).items():
        ast["meta"][key] = {"t": "MetaString", "c": value}
    if front:
        ast["blocks"][:0] = front
    data = pandoc_docx(
        ast, [*(["--toc", "--toc-depth=2"] if toc else []), f"--reference-doc={reference}"]
    )
    return figures.docx_link_look(data, analysis)


def pandoc_docx(ast: Node, args: list[str]) -> bytes:
    """pandoc's DOCX of `ast`; pandoc writes a binary format to stdout only with `-o -`."""
    return pandoc.ast_to("docx", ast, args, output=Path("-"))
