"""HTML: the body through pandoc, the page around it through Jinja2 (autoescape, StrictUndefined).

Two flavours from one annotated AST:
- `PRINT`: handed to WeasyPrint (footnotes as `float: footnote`, margin Randnummern, table of
  contents with page numbers, structure that passes PDF/UA-1);
- `WEB`: one self-contained accessible page (CSS inline, images as data URIs, endnotes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lafast_docs.external import pandoc, resources
from lafast_docs.render import markup
from lafast_docs.text.analysis import Analysis
from lafast_docs.text.textmodel import Heading
from lafast_docs.workspace import Workspace

PANDOC_HTML_ARGS = ["--shift-heading-level-by=1", "--wrap=none", "--html-q-tags"]


def body_html(ast: dict[str, Any]) -> str:
    return pandoc.ast_to("html5", ast, PANDOC_HTML_ARGS).decode("utf-8")


def toc_tree(headings: list[Heading], *, max_level: int = 2) -> list[dict[str, Any]]:
    """Nested entries for the table of contents (levels relative to the top level)."""
    if not headings:
        return []
    base = min(h.level for h in headings)
    root: list[dict[str, Any]] = []
    stack: list[tuple[int, list[dict[str, Any]]]] = [(base - 1, root)]
    for h in headings:
        if h.level - base + 1 > max_level:
            continue
        entry: dict[str, Any] = {"id": h.id, "number": h.number, "text": h.text, "children": []}
        while stack[-1][0] >= h.level:
            stack.pop()
        stack[-1][1].append(entry)
        stack.append((h.level, entry["children"]))
    return root


def stylesheet(ws: Workspace, doc_type: str, name: str) -> Any:
    """The office's brand, the type's theme and the layout stylesheet, safe to inline in a
    <style> element."""
    from markupsafe import Markup

    css = "\n".join(
        resources.find_template(ws, doc_type, n).read_text("utf-8")
        for n in ("brand.css", "theme.css", name)
    )
    return Markup(css.replace("</", "<\\/"))


@dataclass(frozen=True)
class Flavour:
    template: str
    css: str
    marker: markup.Marker
    images: str  # "file" (through WeasyPrint's safe fetcher) or "data" (embedded)
    inline_notes: bool  # footnotes for `float: footnote`, else pandoc's endnotes
    unwrap: bool  # drop the rn-block Divs (PDF/UA: no Div inside LI)


PRINT = Flavour("print.html.j2", "print.css", markup.print_marker, "file", True, True)
WEB = Flavour("web.html.j2", "web.css", markup.web_marker, "data", False, False)


def page(ws: Workspace, analysis: Analysis, context: dict[str, Any], flavour: Flavour) -> str:
    """The whole HTML page of one flavour: body from pandoc, the rest from the template."""
    from markupsafe import Markup

    ast = markup.prepared(
        analysis,
        marker=flavour.marker,
        images=flavour.images,
        inline_notes=flavour.inline_notes,
        unwrap=flavour.unwrap,
    )
    doc_type = analysis.draft.type
    return resources.render_text(
        ws,
        doc_type,
        flavour.template,
        body=Markup(body_html(ast)),
        toc=toc_tree(analysis.model.headings),
        css=stylesheet(ws, doc_type, flavour.css),
        **context,
    )
