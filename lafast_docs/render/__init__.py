"""Rendering a draft to PDF, DOCX and HTML: read -> model -> generate -> write.

drafts.load_draft -> analysis.analyse (pandoc AST, checks, Randnummern)
  -> html.page(PRINT) -> pdf.write_pdf (WeasyPrint, PDF/UA-1)
  -> docx.write_docx (pandoc + reference.docx)
  -> html.page(WEB) (standalone page)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lafast_docs.config import Workspace
from lafast_docs.drafts import load_draft
from lafast_docs.errors import LafastError

FORMATS = ("pdf", "docx", "html")


@dataclass(frozen=True)
class Output:
    format: str
    path: Path
    cached: bool


def parse_formats(value: str | None) -> tuple[str, ...]:
    if not value:
        return FORMATS
    wanted = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise LafastError(
            f"Unbekanntes Format „{', '.join(unknown) or value}“.",
            hint=f"Möglich sind: {', '.join(FORMATS)} (mehrere mit Komma).",
        )
    return wanted


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
        from lafast_docs.analysis import analyse

        analysis = analyse(draft)
        for fmt in todo:
            _WRITERS[fmt](ws, analysis, ctx, targets[fmt])
            cache.record(out, targets[fmt], keys[fmt])
    return [Output(f, targets[f], f not in todo) for f in formats]


def _write_pdf(ws, analysis, ctx, target: Path, variant: str = "pdf/ua-1") -> None:  # type: ignore[no-untyped-def]
    from lafast_docs.render import html, pdf

    pdf.write_page(
        ws,
        analysis.draft.type,
        html.page(ws, analysis, ctx, html.PRINT),
        target,
        extra_roots=(analysis.draft.folder,),
        link_texts=link_texts(analysis),
        variant=variant,
    )


def _write_docx(ws, analysis, ctx, target: Path) -> None:  # type: ignore[no-untyped-def]
    from lafast_docs.render import docx

    docx.write_docx(ws, analysis, ctx, target)


def _write_html(ws, analysis, ctx, target: Path) -> None:  # type: ignore[no-untyped-def]
    from lafast_docs.render import html
    from lafast_docs.store import atomic_write

    atomic_write(target, html.page(ws, analysis, ctx, html.WEB))


def link_texts(analysis) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """German descriptions of internal link targets, for the PDF's link annotations."""
    texts = {
        h.id: f"Verweis auf Abschnitt {h.number} {h.text}".replace("  ", " ")
        for h in analysis.model.headings
    }
    texts.update({f"rn-{b.rn}": f"Verweis auf Randnummer {b.rn}" for b in analysis.model.blocks})
    return texts


_WRITERS = {"pdf": _write_pdf, "docx": _write_docx, "html": _write_html}
