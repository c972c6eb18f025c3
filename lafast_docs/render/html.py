"""HTML: the body through pandoc, the page around it through Jinja2 (autoescape, StrictUndefined).

Two flavours from one annotated AST:
- `PRINT`: handed to WeasyPrint (footnotes as `float: footnote`, margin Randnummern, table of
  contents with page numbers, structure that passes PDF/UA-1);
- `WEB`: one self-contained accessible page (CSS inline, images as data URIs, endnotes).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs.external import pandoc, resources
from lafast_docs.render import cache, markup
from lafast_docs.storage.files import keep_file
from lafast_docs.text.analysis import Analysis
from lafast_docs.text.textmodel import Heading
from lafast_docs.workspace import Workspace

PANDOC_HTML_ARGS = ["--shift-heading-level-by=1", "--wrap=none", "--html-q-tags"]


def body_html(ast: dict[str, Any], keep: Path | None = None) -> str:
    """pandoc's HTML of the body. With `keep`, the last result is kept in that file under a
    hash of the AST (and pandoc's version), so an unchanged text (a re-render, a new version
    number or Stand, another format's turn) skips pandoc: 0.5 s for 70 pages."""
    data = pandoc.ast_json(ast)  # serialised once: for the key and for pandoc
    key = ""
    if keep is not None:
        tools = json.dumps([cache.tool_versions(), PANDOC_HTML_ARGS]).encode("utf-8")
        key = hashlib.sha256(tools + b"\0" + data).hexdigest()
        try:
            kept = json.loads(keep.read_text("utf-8"))
            if isinstance(kept, dict) and kept.get("key") == key:
                body = kept.get("html")
                if isinstance(body, str):
                    return body
        except (OSError, ValueError):
            pass
    body = pandoc.json_to("html5", data, PANDOC_HTML_ARGS).decode("utf-8")
    if keep is not None:  # if it cannot be kept, only the next render is slower
        keep_file(keep, json.dumps({"key": key, "html": body}, ensure_ascii=False))
    return body


def _kept_body(ws: Workspace, slug: str, flavour: str) -> Path | None:
    """`.git/lafast/html/<slug>.<flavour>.json`; None without a repository (a final version is
    rendered from the approved commit in a temporary folder: nothing is kept there)."""
    private = cache.private_dir(ws)
    return None if private is None else private / "html" / f"{slug}.{flavour}.json"


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
        body=Markup(body_html(ast, _kept_body(ws, analysis.draft.slug, flavour.css[:-4]))),
        toc=toc_tree(analysis.model.headings),
        css=stylesheet(ws, doc_type, flavour.css),
        **context,
    )
