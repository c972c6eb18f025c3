"""PDF by WeasyPrint, in-process, tagged and declared PDF/UA-1, with a URL fetcher that only
serves files from the draft's folder and the template folders (no http, no other files)."""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from lafast_docs.errors import RenderError, UnsafeContent
from lafast_docs.external import limits, resources
from lafast_docs.render import hyphenation, parallel, pdffront, pdfpost
from lafast_docs.storage.files import atomic_write

JOINABLE = ("pdf/ua-1", "pdf/a-3a")  # tagged variants whose parts pdfjoin can join
_ALONE = [True]  # no other PDF is made at the same time (see `alone`)


@contextmanager
def alone(value: bool) -> Iterator[None]:
    """Whether a PDF made meanwhile may take the other cores for itself (its text in two
    halves, its front matter beside): not when several PDFs are made at once, each already on
    a core of its own (`render --all`, a final version with its archival copy), nor with
    `LAFAST_WORKERS=1` (one core)."""
    before, _ALONE[0] = _ALONE[0], value
    try:
        yield
    finally:
        _ALONE[0] = before


MIME_OVERRIDES = {
    ".svg": "image/svg+xml",
    ".css": "text/css",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
}


def safe_fetcher(allowed_roots: list[Path]) -> Any:
    """A WeasyPrint URL fetcher restricted to files inside `allowed_roots` (symlinks resolved)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = [r.resolve() for r in allowed_roots]

    class SafeFetcher(URLFetcher):
        def __init__(self) -> None:
            super().__init__(allowed_protocols=("file",))
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            path = Path(url2pathname(unquote(parts.path))) if parts.scheme == "file" else None
            if (
                path is None
                or parts.netloc not in ("", "localhost")
                or not any(_inside(path, r) for r in roots)
            ):
                self.refused.append(url[:200])
                raise ValueError(f"lafast: Zugriff verweigert: {url[:200]}")
            real = path.resolve()
            mime = MIME_OVERRIDES.get(real.suffix.lower()) or mimetypes.guess_type(real.name)[0]
            return URLFetcherResponse(
                real.as_uri(),
                real.read_bytes(),
                {"Content-Type": mime or "application/octet-stream"},
            )

    return SafeFetcher()


def _inside(path: Path, root: Path) -> bool:
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    return real.is_file() and real.is_relative_to(root)


class _Collect(logging.Handler):
    """Keeps WeasyPrint's log out of the terminal; errors (e.g. a broken image) fail the render."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            self.errors.append(record.getMessage().split("\n")[0][:300])


def _german(message: str) -> str:
    if message.startswith("Failed to load image at "):
        url = message.removeprefix("Failed to load image at ").split("'")[1]
        return f"Bild {url2pathname(urlsplit(url).path)} lässt sich nicht laden"
    return message


def write_pdf(
    html: str,
    target: Path,
    *,
    base: Path,
    allowed_roots: list[Path],
    link_texts: dict[str, str],
    variant: str = "pdf/ua-1",
) -> None:
    """`pdf_bytes` written to `target`."""
    atomic_write(
        target,
        pdf_bytes(
            html, base=base, allowed_roots=allowed_roots, link_texts=link_texts, variant=variant
        ),
    )


def pdf_bytes(
    html: str,
    *,
    base: Path,
    allowed_roots: list[Path],
    link_texts: dict[str, str],
    variant: str = "pdf/ua-1",
) -> bytes:
    """Render `html` as PDF/UA-1 (or e.g. PDF/A-3a for an archival copy). Refused resources
    fail the render."""
    return pdfs_bytes(
        [html], base=base, allowed_roots=allowed_roots, link_texts=link_texts, variant=variant
    )[0]


# pdf (or the front's and the text's), refused, errors, failure, front pages (None: one piece)
Rendered = tuple[bytes | pdffront.Pieces | None, list[str], list[str], str, int | None]


def pdfs_bytes(
    htmls: list[str],
    *,
    base: Path,
    allowed_roots: list[Path],
    link_texts: dict[str, str],
    variant: str = "pdf/ua-1",
) -> list[bytes]:
    """`pdf_bytes` of several pages sharing one set-up (e.g. a round's reply letters): they are
    rendered one after the other in the same limited child, so WeasyPrint parses the
    stylesheet and loads the fonts once (the first page costs about twice a later one). The
    child's time limit is the limit of one page times their number."""
    import weasyprint

    splits = [pdffront.split(h) for h in htmls]
    known = [pdffront.known_pages(p) if p else None for p in splits]

    def render(html: str, parts: pdffront.Split | None, front_pages: int | None) -> Rendered:
        fetcher = safe_fetcher(allowed_roots)
        logger = logging.getLogger("weasyprint")
        handler = _Collect()
        logger.addHandler(handler)
        propagate, logger.propagate = logger.propagate, False

        def layout(page: str) -> Any:
            doc = weasyprint.HTML(string=page, base_url=base.as_uri() + "/", url_fetcher=fetcher)
            return doc.render(pdf_variant=variant)

        def write(doc: Any) -> bytes:
            return doc.write_pdf(pdf_variant=variant, uncompressed_pdf=False)

        logs = (fetcher.refused, handler.errors) if beside else None
        try:
            combined = pdffront.lay_out(parts, layout, front_pages, write, logs) if parts else None
            pdf, pages = combined if combined else (write(layout(html)), None)
            return pdf, fetcher.refused, handler.errors, "", pages
        except Exception as exc:  # WeasyPrint raises many kinds; all mean "could not render"
            return None, fetcher.refused, handler.errors, str(exc)[:1000], None
        finally:
            logger.removeHandler(handler)
            logger.propagate = propagate

    # Where a second core is free and the PDF is tagged (pdfjoin joins the structure trees),
    # forked processes lay out the text's second half and the front matter (pdffront).
    beside = _ALONE[0] and parallel.workers() > 1 and variant in JOINABLE
    for lang in {hyphenation.lang_of(h) for h in htmls}:  # parsed once, before the fork
        hyphenation.warm(lang)
    # In a child process with a time and memory limit: a pathological document cannot hang.
    results: list[Rendered] = limits.run_limited(
        lambda: [render(*job) for job in zip(htmls, splits, known, strict=True)],
        what="WeasyPrint (PDF)",
        limit=limits.timeout() * max(1, len(htmls)),
    )
    for parts, kept, result in zip(splits, known, results, strict=True):
        if parts and result[4] and result[4] != kept:
            pdffront.keep_pages(parts, result[4])
    return [_checked(r, link_texts) for r in results]


def _checked(result: Rendered, link_texts: dict[str, str]) -> bytes:
    pdf, refused, errors, failure, _ = result
    if refused:
        raise UnsafeContent(
            "Beim Erzeugen der PDF-Datei wurde auf Dateien außerhalb der erlaubten Ordner "
            "zugegriffen: " + ", ".join(refused[:5]),
            hint="Bilder und Schriften müssen im Ordner des Entwurfs oder der Vorlage liegen.",
        )
    if failure or pdf is None:
        raise RenderError(
            f"WeasyPrint konnte die PDF-Datei nicht erzeugen: {failure}",
            hint="Prüfen Sie eigene Vorlagen unter templates/; sonst melden Sie "
            "den Fehler mit dem Entwurf.",
        )
    if errors:
        raise RenderError(
            "WeasyPrint konnte die PDF-Datei nicht vollständig erzeugen: "
            + "; ".join(_german(m) for m in errors[:5]),
            hint="Prüfen Sie die genannte Datei (z. B. ein beschädigtes Bild neu speichern).",
        )
    return pdfpost.finish(pdf, link_texts=link_texts)


def page_bytes(
    ws: Any,
    doc_type: str,
    html: str,
    *,
    extra_roots: tuple[Path, ...] = (),
    link_texts: dict[str, str] | None = None,
    variant: str = "pdf/ua-1",
) -> bytes:
    """`pdf_bytes` for a page built from the type's templates: resources may come from the
    template folders and `extra_roots` (the draft's folder), nothing else."""
    return pages_bytes(
        ws, doc_type, [html], extra_roots=extra_roots, link_texts=link_texts, variant=variant
    )[0]


def pages_bytes(
    ws: Any,
    doc_type: str,
    htmls: list[str],
    *,
    extra_roots: tuple[Path, ...] = (),
    link_texts: dict[str, str] | None = None,
    variant: str = "pdf/ua-1",
) -> list[bytes]:
    """`pdfs_bytes` of pages built from the type's templates (one set-up for all of them)."""
    dirs = resources.template_dirs(ws, doc_type)
    return pdfs_bytes(
        htmls,
        base=dirs[0],
        allowed_roots=[*extra_roots, *dirs],
        link_texts=link_texts or {},
        variant=variant,
    )
