"""`lafast redline`: word-level changes between two versions, as PDF, DOCX and HTML.

The newer version is rendered as usual, but every changed Randnummer shows its words as
deletions and insertions. In DOCX they are real Word tracked changes (`w:ins`/`w:del`, written by
pandoc from insertion/deletion spans), so a Word user can step through and accept them; in
HTML and PDF they are `<del>`/`<ins>`. Words are compared as plain text; bold, italic and the
like come back from the version each word is taken from (links and footnotes of a changed
paragraph are not shown). Removed paragraphs appear struck through where they stood.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lafast_docs.outputs.document import Page, pdf_of
from lafast_docs.render import docx, html, incremental
from lafast_docs.render.context import document_context, edition_of
from lafast_docs.render.pipeline import Output, Product, produce
from lafast_docs.render.progress import QUIET, Progress
from lafast_docs.text.analysis import Analysis, analyse
from lafast_docs.text.drafts import Draft
from lafast_docs.text.history import WORKING, align, draft_at, model_of, word_diff, working_body
from lafast_docs.text.textmodel import Node
from lafast_docs.workspace import Workspace

AUTHOR = "lafast"


def _span(kind: str, content: list[Node], date: str) -> Node:
    return {"t": "Span", "c": [["", [kind], [["author", AUTHOR], ["date", date]]], content]}


Styles = list[frozenset[str]]  # per character of a block's text: the emphases around it
EMPHASES = ("Strong", "Emph", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps")


def _styled(text: str, styles: Styles | None) -> list[Node]:
    """`text` as inlines, each run of equal emphasis wrapped in its Strong/Emph/… nodes."""
    if not styles:
        return [{"t": "Str", "c": text}]
    out: list[Node] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or styles[i] != styles[start]:
            node: Node = {"t": "Str", "c": text[start:i]}
            for emphasis in sorted(styles[start]):
                node = {"t": emphasis, "c": [node]}
            out.append(node)
            start = i
    return out


def _diff_inlines(
    old: str,
    new: str,
    date: str,
    old_styles: Styles | None = None,
    new_styles: Styles | None = None,
) -> list[Node]:
    """Word-level changes as insertion/deletion spans; bold, italic … of each word kept from
    the version the word comes from."""
    out: list[Node] = []
    i = j = 0  # positions in old and new
    for op, text in word_diff(old, new):
        n = len(text)
        if op == "=":
            out.extend(_styled(text, new_styles[j : j + n] if new_styles else None))
            i, j = i + n, j + n
        elif op == "-":
            out.append(
                _span(
                    "deletion", _styled(text, old_styles[i : i + n] if old_styles else None), date
                )
            )
            i += n
        else:
            out.append(
                _span(
                    "insertion", _styled(text, new_styles[j : j + n] if new_styles else None), date
                )
            )
            j += n
    return out


def styles_of(div: Node | None, text: str) -> Styles | None:
    """The emphases per character of a one-paragraph block whose plain text is `text`; None
    when the block is anything else (then the redline shows its words plain)."""
    content = div["c"][1] if div else []
    if len(content) != 1 or content[0]["t"] not in ("Para", "Plain"):
        return None
    chars: list[tuple[str, frozenset[str]]] = []
    if not _collect(content[0]["c"], frozenset(), chars):
        return None
    plain = "".join(c for c, _s in chars)
    lead = len(plain) - len(plain.lstrip())
    if plain.strip() != text:
        return None
    return [s for _c, s in chars[lead : lead + len(text)]]


def _collect(
    inlines: list[Node], styles: frozenset[str], out: list[tuple[str, frozenset[str]]]
) -> bool:
    """Characters and their emphases, as `textmodel.inlines_text` reads them; False for what
    this does not follow (then no styles are used)."""
    for el in inlines:
        t, c = el["t"], el.get("c", [])
        if t == "Str":
            out.extend((ch, styles) for ch in c)
        elif t in ("Space", "SoftBreak"):
            out.append((" ", styles))
        elif t in EMPHASES:
            if not _collect(c, styles | {t}, out):
                return False
        elif t in ("Span", "Link"):
            if t == "Span" and "secnum" in c[0][1]:
                continue
            if not _collect(c[1], styles, out):
                return False
        elif t == "Note":
            continue
        else:
            return False
    return True


def rn_divs(blocks: list[Node]) -> dict[int, Node]:
    """Every Randnummer's Div in `blocks` (inside divs and lists too), by its number."""
    found: dict[int, Node] = {}

    def visit(bs: list[Node]) -> None:
        for b in bs:
            if b["t"] == "Div":
                rn = dict(b["c"][0][2]).get("rn")
                if rn is not None and rn.isdigit():
                    found.setdefault(int(rn), b)
                visit(b["c"][1])
            elif b["t"] in ("BulletList", "OrderedList"):
                for item in b["c"] if b["t"] == "BulletList" else b["c"][1]:
                    visit(item)

    visit(blocks)
    return found


def _set_text(div: Node, inlines: list[Node]) -> None:
    content = div["c"][1]
    first = content[0] if content else None
    if first is not None and first["t"] in ("Para", "Plain"):
        first["c"] = inlines
        del content[1:]
    else:  # a table or code block: show the change as a paragraph in its place
        div["c"][1] = [{"t": "Para", "c": inlines}]


def redline_analysis(
    ws: Workspace, slug: str, draft_a: Draft, draft_b: Draft, rev_b: str
) -> tuple[Analysis, str]:
    """The analysis of version B with the changes from A marked; plus B's date.

    Both versions are read through the draft's kept chunks (render/incremental): the version
    on disk costs no pandoc run after a render, and A only its sections that differ."""
    reader = incremental.VersionsReader(
        ws, slug, draft_b.body if rev_b == WORKING else working_body(ws, slug)
    )
    analysis = analyse(draft_b, parse=reader)
    old_model = model_of(draft_a, parse=reader)
    date = (ws.store.commit_date(rev_b) if rev_b != WORKING else "") or "2000-01-01T00:00:00Z"
    aligned = align(old_model.blocks, analysis.model.blocks)
    ast = analysis.model.ast
    new_divs, old_divs = rn_divs(ast["blocks"]), rn_divs(old_model.ast["blocks"])
    removed_before: dict[int, list[Node]] = {}  # rn in B (or 0 = end) -> removed paragraphs
    for i, (kind, o, n) in enumerate(aligned):
        div = new_divs.get(n.rn) if n is not None else None
        if kind == "geaendert" and n is not None and o is not None and div:
            old_styles = styles_of(old_divs.get(o.rn), o.text)
            new_styles = styles_of(div, n.text)
            _set_text(div, _diff_inlines(o.text, n.text, date, old_styles, new_styles))
        elif kind == "neu" and n is not None and div:
            _set_text(div, [_span("insertion", _styled(n.text, styles_of(div, n.text)), date)])
        elif kind == "entfallen" and o is not None:
            at = next((later.rn for _k, _o, later in aligned[i + 1 :] if later is not None), 0)
            styles = styles_of(old_divs.get(o.rn), o.text)
            removed_before.setdefault(at, []).append(
                _span("deletion", _styled(o.text, styles), date)
            )
    for rn, spans in removed_before.items():
        paras = [{"t": "Para", "c": [span]} for span in spans]
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
    draft_a = draft_at(ws, slug, rev_a)
    analysis, _date = redline_analysis(ws, slug, draft_a, draft_at(ws, slug, rev_b), rev_b)
    draft = analysis.draft
    ctx: dict[str, Any] = document_context(ws, draft, edition_of(ws, draft))
    version_a = draft_a.version
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
