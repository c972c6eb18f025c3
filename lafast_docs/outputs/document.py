"""The document product: a draft as PDF, DOCX and HTML (read -> model -> generate -> write).

drafts.load_draft -> analysis.analyse (pandoc AST, checks, Randnummern)
  -> html.page(PRINT) -> pdf.page_bytes (WeasyPrint, PDF/UA-1)
  -> docx.docx_bytes (pandoc + reference.docx)
  -> html.page(WEB) (standalone page)
The pipeline (render/pipeline.py) names, caches and writes the files.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs.render import cache, docx, docxinput, figures, html, incremental, pdf
from lafast_docs.render.context import document_context, edition_of
from lafast_docs.render.pipeline import Output, Product, Request, produce_many
from lafast_docs.render.progress import QUIET, Progress
from lafast_docs.text import references
from lafast_docs.text.analysis import Analysis, analyse
from lafast_docs.text.drafts import load_draft
from lafast_docs.workspace import Workspace


@dataclass(frozen=True)
class Page:
    """What a document writer gets: the analysed draft (or how to analyse it, done when a
    writer first asks) and its title-block context. `key`: the draft's content key for the
    DOCX, under which its pandoc input is kept (`docxinput`); "" keeps nothing."""

    ws: Workspace
    source: Analysis | Callable[[], Analysis]  # a callable: for the DOCX alone (`docx_only`)
    ctx: dict[str, Any]
    key: str = ""

    @functools.cached_property
    def analysis(self) -> Analysis:
        return self.source if isinstance(self.source, Analysis) else self.source()

    @property
    def docx_only(self) -> bool:
        """Analysed when first asked: a page for the DOCX alone (`_request`), whose writer may
        change the analysis in place."""
        return not isinstance(self.source, Analysis)


def link_texts(analysis: Analysis) -> dict[str, str]:
    """German descriptions of internal link targets, for the PDF's link annotations."""
    texts = {
        h.id: f"Verweis auf Abschnitt {h.number} {h.text}".replace("  ", " ")
        for h in analysis.model.headings
    }
    texts.update({f"rn-{b.rn}": f"Verweis auf Randnummer {b.rn}" for b in analysis.model.blocks})
    texts.update(figures.link_texts(analysis))
    return texts


def pdf_of(page: Page, html_page: str, variant: str = "pdf/ua-1") -> bytes:
    """A print page of the draft as PDF: resources from the draft's folder and the templates."""
    return pdf.page_bytes(
        page.ws,
        page.analysis.draft.type,
        html_page,
        extra_roots=(page.analysis.draft.folder,),
        link_texts=link_texts(page.analysis),
        variant=variant,
    )


def write_pdf(page: Page, variant: str = "pdf/ua-1") -> bytes:
    return pdf_of(page, html.page(page.ws, page.analysis, page.ctx, html.PRINT), variant)


def write_docx(page: Page) -> bytes:
    """The DOCX; an unchanged text's pandoc input is kept, pandoc and the finishing run."""
    inp = docxinput.kept_input(
        page.ws,
        page.ctx["slug"],
        page.key,
        lambda: docx.pandoc_input(page.analysis, page.ctx, own=page.docx_only),
    )
    return docx.docx_of(page.ws, inp, page.ctx)


def write_html(page: Page) -> bytes:
    return html.page(page.ws, page.analysis, page.ctx, html.WEB).encode("utf-8")


DOCUMENT: Product[Page] = Product({"pdf": write_pdf, "docx": write_docx, "html": write_html})
FORMATS = DOCUMENT.formats


def render(
    ws: Workspace,
    slug: str,
    *,
    formats: tuple[str, ...] = FORMATS,
    out_dir: Path | None = None,
    force: bool = False,
    progress: Progress = QUIET,
) -> list[Output]:
    """Render `slug` into `out_dir` (default build/<slug>/); unchanged outputs are kept."""
    return render_many(
        ws, [slug], formats=formats, out_dir=out_dir, force=force, progress=progress
    )[0]


def render_many(
    ws: Workspace,
    slugs: list[str],
    *,
    formats: tuple[str, ...] = FORMATS,
    out_dir: Path | None = None,
    force: bool = False,
    progress: Progress = QUIET,
) -> list[list[Output]]:
    """`render` for several drafts at once (`render --all`): their formats on all cores,
    the files written in the order of `slugs` (render/pipeline.py `produce_many`)."""
    return produce_many(
        [_request(ws, slug, formats, out_dir, force) for slug in slugs], progress=progress
    )


def _request(
    ws: Workspace, slug: str, formats: tuple[str, ...], out_dir: Path | None, force: bool
) -> Request[Page]:
    draft = load_draft(ws, slug)
    edition = edition_of(ws, draft)
    draft.figures = references.at_stand(draft.figures, edition.stand)
    ctx = document_context(ws, draft, edition)

    def analysis() -> Analysis:
        # the draft's chunks are kept between runs: after an edit pandoc reads what changed
        return analyse(draft, parse=incremental.reader_for(ws, slug))

    def page() -> Page:
        key = cache.cache_key(ws, draft, ctx, "docx") + str(draft.folder)
        key = hashlib.sha256(key.encode()).hexdigest()
        if formats != ("docx",):  # read once here, before the formats' children fork
            return Page(ws, analysis(), ctx, key=key)
        return Page(ws, analysis, ctx, key=key)  # read only if the DOCX input is not kept

    return Request(
        DOCUMENT,
        page,
        out=(out_dir or ws.build_dir / slug).resolve(),
        stem=slug,
        formats=formats,
        key=lambda fmt: cache.cache_key(ws, draft, ctx, fmt),
        force=force,
        label=slug,
    )
