"""`lafast render SLUG --final`: the approved version, with sign-off block, digitally signed.

Refuses unless every required sign-off is valid for the saved content. Writes
`build/<slug>/freigegeben/<slug>-<version>.{pdf,docx,html}` (PDF/UA-1) and, with `archive`,
`<slug>-<version>-archiv.pdf` (PDF/A-3a). PDFs are signed (PAdES) when a certificate is set
up in the local keyring, and must be when lafast.yaml says `signing: pdf: true`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs.errors import DraftError, SigningError
from lafast_docs.outputs.document import DOCUMENT, FORMATS, Page, write_pdf
from lafast_docs.release.keyring import load_keyring
from lafast_docs.release.signing import sign_pdf
from lafast_docs.release.signoff import require_complete
from lafast_docs.render import cache
from lafast_docs.render.context import document_context, edition_of, german_date
from lafast_docs.render.pipeline import Output, Product, produce
from lafast_docs.text.accessibility import findings
from lafast_docs.text.analysis import analyse
from lafast_docs.text.drafts import STATE_NAMES, load_draft
from lafast_docs.workspace import Workspace

FINAL_DIR = "freigegeben"
ARCHIVE_VARIANT = "pdf/a-3a"
ARCHIVE = "archiv"  # the Output.format of the archival PDF
PDF_VARIANT = "pdf/ua-1"


def _write_archive(page: Page) -> bytes:
    return write_pdf(page, ARCHIVE_VARIANT)


# the document's formats, and on request (`archive`) the archival PDF `<stem>-archiv.pdf`
FINAL: Product[Page] = Product(
    {**DOCUMENT.writers, ARCHIVE: _write_archive},
    extra=(ARCHIVE,),
    endings={ARCHIVE: "-archiv.pdf"},
)


@dataclass
class FinalResult:
    outputs: list[Output]
    status: Any  # signoff.SignoffStatus
    signed: bool  # PDFs carry a digital signature
    authenticated: bool  # the approvals are signed git tags verified against the keyring


def final_context(ws: Workspace, slug: str, status: Any) -> tuple[Any, dict[str, Any]]:
    """The draft and its title-block context for the approved version."""
    draft = load_draft(ws, slug)
    ctx = document_context(ws, draft, edition_of(ws, draft))
    ctx.update(
        final=True,
        state="freigegeben",
        state_name=STATE_NAMES["freigegeben"],
        freigabe=status.hash,
        signoffs=[
            {
                "name": a.name,
                "role": ws.config.roles.get(a.role, a.role),
                "date": german_date(a.date.date()),
            }
            for a in status.approvals
        ],
    )
    return draft, ctx


def render_final(
    ws: Workspace,
    slug: str,
    *,
    formats: tuple[str, ...] = FORMATS,
    out_dir: Path | None = None,
    archive: bool = False,
    force: bool = False,
) -> FinalResult:
    status = require_complete(ws, slug)
    keyring = load_keyring(ws)
    if keyring.pdf_required and keyring.pkcs12 is None:
        raise SigningError(
            "Endgültige PDF-Dateien müssen digital signiert sein (lafast.yaml: signing: pdf: "
            "true), aber auf diesem Rechner ist kein Zertifikat eingerichtet.",
            hint="Tragen Sie in .git/lafast-local.yaml „pdf: pkcs12: PFAD“ und "
            "„password_env: VARIABLE“ ein.",
        )
    draft, ctx = final_context(ws, slug, status)
    analysis = analyse(draft)  # once: for the accessibility gate and every output
    _require_accessible(analysis)
    sign = keyring.pkcs12 is not None
    extra = {"final": True, "pkcs12": str(keyring.pkcs12 or "")}

    def key(fmt: str) -> str:
        variant = ARCHIVE_VARIANT if fmt == ARCHIVE else PDF_VARIANT
        return cache.cache_key(ws, draft, {**ctx, **extra, "variant": variant}, fmt)

    def finish(fmt: str, target: Path) -> None:
        if fmt in ("pdf", ARCHIVE) and sign:
            sign_pdf(
                target,
                keyring,
                reason=f"Freigegeben: {draft.title}, Version {draft.version}, "
                f"Fassung {ctx['commit']}",
                location=ws.config.org_address,
            )

    outputs = produce(
        FINAL,
        lambda: Page(ws, analysis, ctx),
        out=(out_dir or ws.build_dir / slug / FINAL_DIR).resolve(),
        stem=f"{slug}-{draft.version}",
        formats=(*formats, *((ARCHIVE,) if archive else ())),
        key=key,
        force=force,
        finish=finish,
    )
    return FinalResult(outputs, status, sign, status.signing)


def _require_accessible(analysis: Any) -> None:
    """A final version goes to the public: it must not have accessibility findings."""
    draft = analysis.draft
    problems = findings(analysis)
    if problems:
        raise DraftError(
            f"„{draft.slug}“ ist nicht barrierefrei genug für eine endgültige Fassung "
            f"({len(problems)} Befund(e)):",
            problems=problems,
            hint=f"Die Stellen ändern, speichern und neu freigeben (lafast check {draft.slug}).",
        )
