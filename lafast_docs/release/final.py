"""`lafast render SLUG --final`: the approved version, with sign-off block, digitally signed.

Refuses unless every required sign-off is valid for the saved content. Renders from the git
objects of the approved commit (drafts/<slug>/, templates/, lafast.yaml copied into a private
temporary folder), never from the working tree: unsaved edits, or files git is told to ignore
(`update-index --skip-worktree` / `--assume-unchanged`), cannot put other text into a signed
final version. Writes
`build/<slug>/freigegeben/<slug>-<version>.{pdf,docx,html}` (PDF/UA-1) and, with `archive`,
`<slug>-<version>-archiv.pdf` (PDF/A-3a). PDFs are signed (PAdES) when a certificate is set
up in the local keyring, and must be when lafast.yaml says `signing: pdf: true`.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs.errors import DraftError, SigningError
from lafast_docs.outputs.document import DOCUMENT, FORMATS, Page, write_pdf
from lafast_docs.release.keyring import load_keyring
from lafast_docs.release.signing import sign_pdf, signing_run
from lafast_docs.release.signoff import require_complete
from lafast_docs.render import cache, incremental
from lafast_docs.render.context import Edition, document_context, german_date
from lafast_docs.render.pipeline import Output, Product, Request, produce_many
from lafast_docs.render.progress import QUIET, Progress
from lafast_docs.text import references
from lafast_docs.text.accessibility import findings
from lafast_docs.text.analysis import analyse
from lafast_docs.text.drafts import STATE_NAMES, Draft, load_draft
from lafast_docs.text.history import working_body
from lafast_docs.text.register import register_path
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.config import CONFIG_NAME, load_config

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
    draft: Draft  # as committed in the approved commit (its folder is gone after rendering)
    edition: Edition


@contextmanager
def approved_snapshot(ws: Workspace, slug: str, commit: str) -> Iterator[Workspace]:
    """A read-only view of `commit`: the draft's folder, the templates and lafast.yaml from git
    objects in a private temporary folder (removed afterwards). Nothing of the working tree."""
    store = ws.store
    with tempfile.TemporaryDirectory(prefix="lafast-fassung-") as tmp:
        root = Path(tmp)
        files = {
            **store.files_at(commit, ws.drafts_dir / slug),
            **store.files_at(commit, ws.templates_dir),
            CONFIG_NAME: store.read_at(commit, ws.root / CONFIG_NAME).encode("utf-8"),
            **store.files_at(commit, register_path(ws)),  # the register as approved
        }
        for name, data in files.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        yield Workspace(root, load_config(root / CONFIG_NAME))


def approved_edition(ws: Workspace, draft: Draft) -> Edition:
    """Stand: the front matter's `stand`, else the date of the last commit of the draft."""
    last = ws.store.last_change(ws.drafts_dir / draft.slug)
    explicit = draft.meta.get("stand")
    if isinstance(explicit, dt.date):
        return Edition(explicit, last.sha if last else "")
    if last is None:  # require_complete found approvals, so the draft is committed
        raise DraftError(f"„{draft.slug}“ ist noch nicht gespeichert.")
    return Edition(last.date.date(), last.sha)


def final_context(
    snap: Workspace, ws: Workspace, slug: str, status: Any
) -> tuple[Draft, Edition, dict[str, Any]]:
    """The draft (from the approved snapshot `snap`) and its title-block context."""
    draft = load_draft(snap, slug, editable=False)
    edition = approved_edition(ws, draft)
    draft.figures = references.at_stand(draft.figures, edition.stand)
    ctx = document_context(snap, draft, edition)
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
    return draft, edition, ctx


def render_final(
    ws: Workspace,
    slug: str,
    *,
    formats: tuple[str, ...] = FORMATS,
    out_dir: Path | None = None,
    archive: bool = False,
    force: bool = False,
    progress: Progress = QUIET,
) -> FinalResult:
    return render_finals(
        ws,
        [slug],
        formats=formats,
        out_dir=out_dir,
        archive=archive,
        force=force,
        progress=progress,
    )[0]


def render_finals(
    ws: Workspace,
    slugs: list[str],
    *,
    formats: tuple[str, ...] = FORMATS,
    out_dir: Path | None = None,
    archive: bool = False,
    force: bool = False,
    progress: Progress = QUIET,
) -> list[FinalResult]:
    """The final versions of `slugs`, their formats on all cores (render/pipeline.py
    `produce_many`). Every document is checked (sign-offs, seal, accessibility) before the
    first file is written; the files are written and signed in the order of `slugs`."""
    statuses = [require_complete(ws, slug) for slug in slugs]
    keyring = load_keyring(ws)
    if keyring.pdf_required and not keyring.has_seal:
        raise SigningError(
            "Endgültige PDF-Dateien müssen digital signiert sein (lafast.yaml: signing: pdf: "
            "true), aber auf diesem Rechner ist kein Zertifikat eingerichtet.",
            hint="Das Siegel einrichten: „lafast signing seal --pkcs12 DATEI --password-env "
            "VARIABLE“ oder „lafast signing ca ORDNER …“ (README, „Signatur einrichten“).",
        )
    formats = (*formats, *((ARCHIVE,) if archive else ()))
    with ExitStack() as stack:
        requests, results = [], []
        progress.start(len(slugs), "Prüfe Freigaben und Barrierefreiheit")
        for slug, status in zip(slugs, statuses, strict=True):
            progress.note(slug)
            snap = stack.enter_context(approved_snapshot(ws, slug, status.commit))
            draft, edition, ctx = final_context(snap, ws, slug, status)
            requests.append(
                _request(snap, ws, draft, ctx, keyring, formats, out_dir, force, progress)
            )
            results.append(
                FinalResult([], status, keyring.has_seal, status.signing, draft, edition)
            )
        progress.start(sum(len(r.formats) for r in requests), "Endgültige Fassungen")
        stack.enter_context(signing_run())  # validation data fetched once for all PDFs
        for result, outputs in zip(results, produce_many(requests, progress=progress), strict=True):
            result.outputs = outputs
    return results


def _request(
    snap: Workspace,
    ws: Workspace,
    draft: Draft,
    ctx: dict[str, Any],
    keyring: Any,
    formats: tuple[str, ...],
    out_dir: Path | None,
    force: bool,
    progress: Progress,
) -> Request[Page]:
    # once: for the accessibility gate and every output; through the draft's kept chunks (the
    # approved text is mostly the one on disk)
    reader = incremental.VersionsReader(ws, draft.slug, working_body(ws, draft.slug))
    analysis = analyse(draft, parse=reader)
    _require_accessible(analysis)
    sign = keyring.has_seal
    extra = {"final": True, "pkcs12": str(keyring.pkcs12 or keyring.pkcs11 or "")}

    def key(fmt: str) -> str:
        variant = ARCHIVE_VARIANT if fmt == ARCHIVE else PDF_VARIANT
        return cache.cache_key(snap, draft, {**ctx, **extra, "variant": variant}, fmt)

    def finish(fmt: str, target: Path) -> None:
        if fmt in ("pdf", ARCHIVE) and sign:
            progress.note(f"{draft.slug}: {target.name} wird signiert")
            sign_pdf(
                target,
                keyring,
                reason=f"Freigegeben: {draft.title}, Version {draft.version}, "
                f"Fassung {ctx['commit']}",
                location=snap.config.org_address,
            )

    return Request(
        FINAL,
        lambda: Page(snap, analysis, ctx),
        out=(out_dir or ws.build_dir / draft.slug / FINAL_DIR).resolve(),
        stem=f"{draft.slug}-{draft.version}",
        formats=formats,
        key=key,
        force=force,
        finish=finish,
        label=draft.slug,
    )


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
