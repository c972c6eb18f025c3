"""Table documents made by lafast itself (Synopse, answers to commenters): one table, written
as accessible HTML for the PDF and as a pandoc AST for a real Word table.

All text in the cells is literal: it goes into `Str` nodes or is HTML-escaped, never parsed as
Markdown or HTML, because much of it comes from outside the office.
"""

from __future__ import annotations

import html as html_lib
import io
import re
import zipfile
from typing import Any

from lafast_docs.external import pandoc, resources
from lafast_docs.render.docx import metadata, pandoc_docx
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


def inlines(text: str) -> list[Node]:
    """Literal text as pandoc inlines (line breaks kept; an en dash for empty text)."""
    out: list[Node] = []
    for i, part in enumerate(text.split("\n")):
        if i:
            out.append({"t": "LineBreak"})
        out.append({"t": "Str", "c": part})
    return out or [{"t": "Str", "c": "–"}]


def para(text: str) -> Node:
    return {"t": "Para", "c": inlines(text)}


def heading(level: int, text: str) -> Node:
    return {"t": "Header", "c": [level, _NO_ATTR, inlines(text)]}


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


def docx_bytes(
    ws: Workspace,
    doc_type: str,
    ctx: dict[str, Any],
    blocks: list[Node],
    *,
    landscape: bool = False,
) -> bytes:
    """Blocks -> DOCX with the type's reference document and the title metadata of `ctx`."""
    ast = {"pandoc-api-version": pandoc.api_version(), "meta": metadata(ctx), "blocks": blocks}
    reference = resources.find_template(ws, doc_type, "reference.docx")
    data = pandoc_docx(ast, [f"--reference-doc={reference}"])
    return _landscape(data) if landscape else data


def _landscape(docx: bytes) -> bytes:
    """Turn the DOCX's page to landscape (A4 quer): swap the page size, set the orientation."""
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        items = [(i, z.read(i)) for i in z.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            if info.filename == "word/document.xml":
                xml = data.decode("utf-8")
                xml = re.sub(
                    r"<w:pgSz [^>]*/>",
                    '<w:pgSz w:w="16838" w:h="11906" w:orient="landscape"/>',
                    xml,
                )
                data = xml.encode("utf-8")
            z.writestr(info, data)
    return buf.getvalue()


def print_page(
    ws: Workspace, doc_type: str, ctx: dict[str, Any], body_html: str, extra_css: str = ""
) -> str:
    """A whole print page (the type's print template and stylesheet) around `body_html`."""
    from markupsafe import Markup

    css = stylesheet(ws, doc_type, "print.css") + Markup(extra_css)
    return resources.render_text(
        ws, doc_type, "print.html.j2", body=Markup(body_html), toc=[], css=css, **ctx
    )
