"""The document product: a draft as PDF, DOCX and HTML (read -> model -> generate -> write).

drafts.load_draft -> analysis.analyse (pandoc AST, checks, Randnummern)
  -> html.page(PRINT) -> pdf.write_pdf (WeasyPrint, PDF/UA-1)
  -> docx.write_docx (pandoc + reference.docx)
  -> html.page(WEB) (standalone page)
"""

from __future__ import annotations

from pathlib import Path

from lafast_docs.render.pipeline import _WRITERS, FORMATS, Output
from lafast_docs.text.drafts import load_draft
from lafast_docs.workspace import Workspace


def render(
    ws: Workspace,
    slug: str,
    *,
    formats: tuple[str, ...] = FORMATS,
    out_dir: Path | None = None,
    force: bool = False,
) -> list[Output]:
    """Render `slug` into `out_dir` (default build/<slug>/); unchanged outputs are kept."""
    from lafast_docs.render import cache
    from lafast_docs.render.context import document_context, edition_of

    draft = load_draft(ws, slug)
    out = (out_dir or ws.build_dir / slug).resolve()
    out.mkdir(parents=True, exist_ok=True)
    ctx = document_context(ws, draft, edition_of(ws, draft))
    targets = {fmt: out / f"{slug}.{fmt}" for fmt in formats}
    keys = {fmt: cache.cache_key(ws, draft, ctx, fmt) for fmt in formats}
    todo = [f for f in formats if force or not cache.is_fresh(out, targets[f], keys[f])]
    if todo:
        from lafast_docs.text.analysis import analyse

        analysis = analyse(draft)
        for fmt in todo:
            _WRITERS[fmt](ws, analysis, ctx, targets[fmt])
            cache.record(out, targets[fmt], keys[fmt])
    return [Output(f, targets[f], f not in todo) for f in formats]
