"""Table documents made by lafast itself (Synopse, answers to commenters): one table, written
as accessible HTML for the PDF and as a pandoc AST for a real Word table.

All text in the cells is literal: it goes into `Str` nodes or is HTML-escaped, never parsed as
Markdown or HTML, because much of it comes from outside the office.
"""

from __future__ import annotations

import html as html_lib
from typing import Any

from lafast_docs.external import pandoc, resources
from lafast_docs.render import docxpost
from lafast_docs.render.docx import docx_table as docx_table
from lafast_docs.render.docx import inlines, metadata, pandoc_docx
from lafast_docs.render.html import stylesheet
from lafast_docs.workspace import Workspace

Node = dict[str, Any]
_NO_ATTR: list[Any] = ["", [], []]


def html_cell(text: str) -> str:
    """Escaped text; line breaks kept; an en dash for an empty cell."""
    return "<br>".join(html_lib.escape(p) for p in text.split("\n")) if text else "–"


def html_table(
    caption: str, heads: list[str], rows: list[tuple[str, list[str]]], *, cls: str
) -> str:
    """`rows` are (row header text, [cell HTML …]); the first column is a row header."""
    out = [
        f"<table class='{cls}'><caption>{html_lib.escape(caption)}</caption><thead><tr>",
        *(f"<th scope='col'>{html_lib.escape(h)}</th>" for h in heads),
        "</tr></thead><tbody>",
    ]
    for label, cells in rows:
        out.append(f"<tr><th scope='row'>{html_lib.escape(label)}</th>")
        out.extend(f"<td>{c}</td>" for c in cells)
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def para(text: str) -> Node:
    return {"t": "Para", "c": inlines(text)}


def heading(level: int, text: str) -> Node:
    return {"t": "Header", "c": [level, _NO_ATTR, inlines(text)]}


def docx_bytes(
    ws: Workspace,
    doc_type: str,
    ctx: dict[str, Any],
    blocks: list[Node],
    *,
    landscape: bool = False,
) -> bytes:
    """Blocks -> DOCX with the type's reference document and the title metadata of `ctx`;
    header and footer from the organisation, columns sized by content, A4 quer on request."""
    ast = {"pandoc-api-version": pandoc.api_version(), "meta": metadata(ctx), "blocks": blocks}
    reference = resources.find_template(ws, doc_type, "reference.docx")
    data = pandoc_docx(ast, [f"--reference-doc={reference}"])
    return docxpost.finish(
        data,
        docxpost.Layout(
            header=ctx["org_short"] or ctx["org_name"],
            footer_note=ctx["funding_note"],
            landscape=landscape,
        ),
    )


def print_page(
    ws: Workspace, doc_type: str, ctx: dict[str, Any], body_html: str, extra_css: str = ""
) -> str:
    """A whole print page (the type's print template and stylesheet) around `body_html`."""
    from markupsafe import Markup

    css = stylesheet(ws, doc_type, "print.css") + Markup(extra_css)
    return resources.render_text(
        ws, doc_type, "print.html.j2", body=Markup(body_html), toc=[], css=css, **ctx
    )
