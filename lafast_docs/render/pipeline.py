"""The output pipeline: formats, outputs and the writer of each format."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
    from lafast_docs.storage.files import atomic_write

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
