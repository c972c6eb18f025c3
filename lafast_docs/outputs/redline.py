"""`lafast redline`: word-level changes between two versions, as PDF, DOCX and HTML.

The newer version is rendered as usual, but every changed Randnummer shows its words as
deletions and insertions. In DOCX they are real Word tracked changes (`w:ins`/`w:del`, written by
pandoc from insertion/deletion spans), so a Word user can step through and accept them; in
HTML and PDF they are `<del>`/`<ins>`. A changed paragraph loses its inline formatting in the
redline (the words are compared as plain text); removed paragraphs appear struck through where
they stood.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lafast_docs.outputs.document import Page, pdf_of
from lafast_docs.render import docx, html
from lafast_docs.render.context import document_context, edition_of
from lafast_docs.render.pipeline import Output, Product, produce
from lafast_docs.render.progress import QUIET, Progress
from lafast_docs.text.analysis import Analysis, analyse
from lafast_docs.text.history import WORKING, align, draft_at, model_of, word_diff
from lafast_docs.text.textmodel import Node
from lafast_docs.workspace import Workspace

AUTHOR = "lafast"


def _span(kind: str, text: str, date: str) -> Node:
    return {
        "t": "Span",
        "c": [["", [kind], [["author", AUTHOR], ["date", date]]], [{"t": "Str", "c": text}]],
    }


def _diff_inlines(old: str, new: str, date: str) -> list[Node]:
    out: list[Node] = []
    for op, text in word_diff(old, new):
        if op == "=":
            out.append({"t": "Str", "c": text})
        else:
            out.append(_span("deletion" if op == "-" else "insertion", text, date))
    return out


def _div_for(blocks: list[Node], rn: int) -> Node | None:
    for b in blocks:
        if b["t"] == "Div":
            if dict(b["c"][0][2]).get("rn") == str(rn):
                return b
            found = _div_for(b["c"][1], rn)
            if found:
                return found
        elif b["t"] in ("BulletList", "OrderedList"):
            for item in b["c"] if b["t"] == "BulletList" else b["c"][1]:
                found = _div_for(item, rn)
                if found:
                    return found
    return None


def _set_text(div: Node, inlines: list[Node]) -> None:
    content = div["c"][1]
    first = content[0] if content else None
    if first is not None and first["t"] in ("Para", "Plain"):
        first["c"] = inlines
        del content[1:]
    else:  # a table or code block: show the change as a paragraph in its place
        div["c"][1] = [{"t": "Para", "c": inlines}]


def redline_analysis(ws: Workspace, slug: str, rev_a: str, rev_b: str) -> tuple[Analysis, str]:
    """The analysis of version B with the changes from A marked; plus B's date."""
    old_model = model_of(draft_at(ws, slug, rev_a))
    draft_b = draft_at(ws, slug, rev_b)
    analysis = analyse(draft_b)
    date = (ws.store.commit_date(rev_b) if rev_b != WORKING else "") or "2000-01-01T00:00:00Z"
    aligned = align(old_model.blocks, analysis.model.blocks)
    ast = analysis.model.ast
    removed_before: dict[int, list[str]] = {}  # rn in B (or 0 = end) -> removed texts
    for i, (kind, o, n) in enumerate(aligned):
        if kind == "geaendert" and n is not None and o is not None:
            div = _div_for(ast["blocks"], n.rn)
            if div:
                _set_text(div, _diff_inlines(o.text, n.text, date))
        elif kind == "neu" and n is not None:
            div = _div_for(ast["blocks"], n.rn)
            if div:
                _set_text(div, [_span("insertion", n.text, date)])
        elif kind == "entfallen" and o is not None:
            at = next((later.rn for _k, _o, later in aligned[i + 1 :] if later is not None), 0)
            removed_before.setdefault(at, []).append(o.text)
    for rn, texts in removed_before.items():
        paras = [{"t": "Para", "c": [_span("deletion", t, date)]} for t in texts]
        _insert_before(ast["blocks"], rn, paras)
    return analysis, date


def _insert_before(blocks: list[Node], rn: int, paras: list[Node]) -> bool:
    if rn == 0:
        blocks.extend(paras)
        return True
    for i, b in enumerate(blocks):
        if b["t"] == "Div":
            if dict(b["c"][0][2]).get("rn") == str(rn):
                blocks[i:i] = paras
                return True
            if _insert_before(b["c"][1], rn, paras):
                return True
    blocks.extend(paras)  # inside a list: after everything rather than nowhere
    return True


def html_ins_del(html: str) -> str:
    """pandoc writes insertion/deletion spans; HTML has elements that mean exactly that."""
    html = re.sub(r'<span class="insertion"[^>]*>(.*?)</span>', r"<ins>\1</ins>", html, flags=re.S)
    return re.sub(r'<span class="deletion"[^>]*>(.*?)</span>', r"<del>\1</del>", html, flags=re.S)


def _write_pdf(page: Page) -> bytes:
    return pdf_of(page, html_ins_del(html.page(page.ws, page.analysis, page.ctx, html.PRINT)))


def _write_docx(page: Page) -> bytes:
    return docx.docx_bytes(page.ws, page.analysis, page.ctx, toc=False)


def _write_html(page: Page) -> bytes:
    return html_ins_del(html.page(page.ws, page.analysis, page.ctx, html.WEB)).encode("utf-8")


REDLINE: Product[Page] = Product({"pdf": _write_pdf, "docx": _write_docx, "html": _write_html})


def redline(
    ws: Workspace,
    slug: str,
    rev_a: str,
    rev_b: str = WORKING,
    *,
    formats: tuple[str, ...] = REDLINE.formats,
    out_dir: Path | None = None,
    progress: Progress = QUIET,
) -> list[Output]:
    progress.start(len(formats) + 1, "Änderungsfassung")
    progress.note("Wortvergleich der Versionen")
    sha_a = ws.store.resolve(rev_a)[:10]
    sha_b = ws.store.resolve(rev_b)[:10] if rev_b != WORKING else WORKING
    analysis, _date = redline_analysis(ws, slug, rev_a, rev_b)
    draft = analysis.draft
    ctx: dict[str, Any] = document_context(ws, draft, edition_of(ws, draft))
    version_a = draft_at(ws, slug, rev_a).version
    ctx["subtitle"] = (
        f"Änderungen gegenüber Version {version_a} ({sha_a}) – "
        f"gestrichen: durchgestrichen, neu: unterstrichen"
    )
    ctx["title"] = f"Änderungsfassung: {draft.title}"
    # named after the versions when they differ (e.g. …-aenderungen-0.3-0.4), else the commits
    version_b = draft.version if rev_b != WORKING else WORKING
    ends = (version_a, version_b) if version_a != draft.version else (sha_a, sha_b)
    progress.step("Wortvergleich")
    progress.note(", ".join(f.upper() for f in formats))
    return produce(
        REDLINE,
        lambda: Page(ws, analysis, ctx),
        out=(out_dir or ws.build_dir / slug).resolve(),
        stem=f"{slug}-aenderungen-{ends[0]}-{ends[1]}",
        formats=formats,
        progress=progress,
    )
