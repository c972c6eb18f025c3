"""Drafts: `drafts/<slug>/document.md` = YAML front matter + Pandoc Markdown body."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs.errors import (
    DraftError,
    DraftExists,
    DraftNotFound,
    LafastError,
    MissingInput,
    Problem,
)
from lafast_docs.external import resources
from lafast_docs.storage import yamlio
from lafast_docs.storage.files import atomic_write
from lafast_docs.text.references import Figures
from lafast_docs.text.register import load_register
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.config import DOC_TYPE_NAMES, DOC_TYPE_ZU, DOC_TYPES
from lafast_docs.workspace.slugs import check_slug, draft_slug

DOCUMENT_NAME = "document.md"
STATES = ("entwurf", "konsultation", "abstimmung", "freigegeben", "veroeffentlicht")
STATE_NAMES = {
    "entwurf": "Entwurf",
    "konsultation": "Konsultation",
    "abstimmung": "Abstimmung",
    "freigegeben": "Freigegeben",
    "veroeffentlicht": "Veröffentlicht",
}
_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_VERSION = re.compile(r"\A\d+(\.\d+){0,2}\Z")


@dataclass
class Draft:
    slug: str
    path: Path  # .../drafts/<slug>/document.md
    meta: Any  # ruamel CommentedMap: edits keep comments and key order
    body: str
    body_line: int  # 1-based line in the file where the body starts
    editable: bool = True  # False: meta is a plain dict (fast read-only load), never written
    figures: Figures | None = None  # register and Stand for references (text/references.py)

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def type(self) -> str:
        return str(self.meta["type"])

    @property
    def type_name(self) -> str:
        return DOC_TYPE_NAMES[self.type]

    @property
    def type_with_zu(self) -> str:
        """„zum Fachstandard“, „zur Stellungnahme“: the type after „zu“, in correct German."""
        return DOC_TYPE_ZU[self.type]

    @property
    def title(self) -> str:
        return str(self.meta["title"])

    @property
    def version(self) -> str:
        return str(self.meta.get("version") or "0.1")

    @property
    def state(self) -> str:
        return str(self.meta.get("state") or "entwurf")

    def text(self) -> str:
        """The whole file as it is written to disk."""
        return f"---\n{yamlio.dump(self.meta)}---\n{self.body}"

    def set(self, key: str, value: Any) -> None:
        self.meta[key] = value


def parse_draft(text: str, *, path: Path, slug: str, editable: bool = True) -> Draft:
    """Split and validate a draft file. Every front-matter problem is reported at once.

    `editable=False` reads faster (no comments, no line numbers unless something is wrong)."""
    m = _FRONT.match(text)
    if not m:
        raise DraftError(
            "Der Entwurf beginnt nicht mit den Angaben zum Dokument (YAML-Block zwischen „---“).",
            path=path,
            line=1,
            hint="Die erste Zeile muss „---“ sein, dann folgen Angaben wie „title: …“ und eine "
            "schließende Zeile „---“.",
        )
    head = m.group(1) or ""
    meta = yamlio.load(head, path=path, error=DraftError, line_offset=1, fast=not editable)
    body_line = text[: m.end()].count("\n") + 1
    draft = Draft(slug, path, meta, text[m.end() :], body_line, editable)
    problems = validate_meta(meta, path)
    if problems and not editable:  # read again with line numbers to say where
        problems = validate_meta(
            yamlio.load(head, path=path, error=DraftError, line_offset=1), path
        )
    if problems:
        raise DraftError(
            f"Die Angaben im Kopf des Entwurfs enthalten {len(problems)} Fehler:",
            path=path,
            problems=problems,
            hint="Korrigieren Sie die genannten Zeilen im YAML-Kopf.",
        )
    return draft


def validate_meta(meta: Any, path: Path) -> list[Problem]:
    problems: list[Problem] = []

    def bad(msg: str, key: str | None = None) -> None:
        problems.append(Problem(msg, path, yamlio.line_of(meta, key, offset=1) if key else 2))

    if not isinstance(meta, dict):
        bad("Der Kopf muss aus Angaben „schlüssel: wert“ bestehen.")
        return problems
    dtype = meta.get("type")
    if dtype is None:
        bad(f"„type“ fehlt (erlaubt: {', '.join(DOC_TYPES)}).")
    elif dtype not in DOC_TYPES:
        bad(f"Unbekannter Dokumenttyp „{dtype}“ (erlaubt: {', '.join(DOC_TYPES)}).", "type")
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        bad(
            "„title“ (der Titel des Dokuments) fehlt oder ist leer.",
            "title" if "title" in meta else None,
        )
    for key in ("subtitle", "adressat", "geltungsbereich"):
        if key in meta and meta[key] is not None and not isinstance(meta[key], str):
            bad(f"„{key}“ muss ein Text sein.", key)
    if "version" in meta and not _VERSION.match(str(meta["version"])):
        bad(f"„version“ muss wie „0.3“ oder „1.0“ aussehen, nicht „{meta['version']}“.", "version")
    if "state" in meta and meta["state"] not in STATES:
        bad(f"Unbekannter Stand „{meta['state']}“ (erlaubt: {', '.join(STATES)}).", "state")
    for key in ("authors", "keywords"):
        if key in meta and not (
            isinstance(meta[key], list) and all(isinstance(x, str) for x in meta[key])
        ):
            bad(f'„{key}“ muss eine Liste von Texten sein, z. B. ["…", "…"].', key)
    for key in ("frist", "stand"):
        if key in meta and meta[key] is not None and not isinstance(meta[key], dt.date):
            bad(f"„{key}“ muss ein Datum im Format JJJJ-MM-TT sein, z. B. 2026-12-15.", key)
    if "bezug" in meta and meta["bezug"] is not None:
        bezug = meta["bezug"]
        if not isinstance(bezug, dict) or not isinstance(bezug.get("titel"), str):
            bad("„bezug“ braucht „titel:“ (und „datum:“ im Format JJJJ-MM-TT).", "bezug")
        elif "datum" in bezug and not isinstance(bezug["datum"], dt.date):
            bad("„bezug: datum“ muss ein Datum im Format JJJJ-MM-TT sein.", "bezug")
    return problems


# -- workspace operations ----------------------------------------------------------------------
def draft_path(ws: Workspace, slug: str) -> Path:
    return ws.drafts_dir / slug / DOCUMENT_NAME


def load_draft(ws: Workspace, slug: str, *, editable: bool = True) -> Draft:
    check_slug(slug)
    path = draft_path(ws, slug)
    if not path.is_file():
        known = ", ".join(list_slugs(ws)) or "keine"
        raise DraftNotFound(
            f"Es gibt keinen Entwurf „{slug}“.",
            hint=f"Vorhandene Entwürfe: {known}. „lafast list“ zeigt alle.",
        )
    draft = parse_draft(read_text(path), path=path, slug=slug, editable=editable)
    draft.figures = Figures(lambda: load_register(ws), lambda: working_stand(ws, draft))
    return draft


def explicit_stand(draft: Draft) -> dt.date | None:
    """The front matter's `stand`, when it is a date."""
    value = draft.meta.get("stand")
    return value if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else None


def working_stand(ws: Workspace, draft: Draft) -> dt.date:
    """The Stand of the draft on disk: `stand:`, else its last commit's date when it is saved,
    else today (the same rule as the title block, render/context.edition_of)."""
    explicit = explicit_stand(draft)
    if explicit is not None:
        return explicit
    last = None if ws.store.is_dirty(draft.folder) else ws.store.last_change(draft.folder)
    return last.date.date() if last is not None else dt.date.today()


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise DraftError(
            "Die Datei ist nicht in UTF-8 gespeichert.",
            path=path,
            line=line,
            hint="Speichern Sie sie im Editor mit der Kodierung UTF-8.",
        ) from exc


def list_slugs(ws: Workspace) -> list[str]:
    if not ws.drafts_dir.is_dir():
        return []
    return sorted(p.parent.name for p in ws.drafts_dir.glob(f"*/{DOCUMENT_NAME}"))


def list_drafts(ws: Workspace) -> list[Draft | LafastError]:
    """Every draft, or the error that stops it from loading (one broken draft hides nothing)."""
    result: list[Draft | LafastError] = []
    for slug in list_slugs(ws):
        try:
            result.append(load_draft(ws, slug, editable=False))
        except LafastError as exc:
            exc.slug = slug
            result.append(exc)
    return result


def write_draft(draft: Draft) -> None:
    if not draft.editable:  # a plain-dict head would lose the authors' comments
        raise ValueError("write_draft needs a draft loaded with editable=True")
    atomic_write(draft.path, draft.text())


def new_draft(
    ws: Workspace, doc_type: str, slug: str | None, title: str, *, today: dt.date | None = None
) -> Draft:
    """Create `drafts/<slug>/document.md` from the type's template and commit it."""
    if doc_type not in DOC_TYPES:
        raise DraftError(
            f"Unbekannter Dokumenttyp „{doc_type}“.", hint=f"Möglich sind: {', '.join(DOC_TYPES)}."
        )
    if not title.strip():
        raise DraftError("Der Titel fehlt.", hint='Geben Sie ihn mit --title "…" an.')
    if slug is None:
        slug = draft_slug(title)
        if not slug:
            raise DraftError(
                "Aus dem Titel lässt sich keine Kurzbezeichnung bilden.",
                hint="Geben Sie eine Kurzbezeichnung an, z. B. mindeststandards-fsa.",
            )
    check_slug(slug)
    path = draft_path(ws, slug)
    if path.parent.exists():
        raise DraftExists(
            f"Den Entwurf „{slug}“ gibt es schon ({path}).",
            hint="Wählen Sie eine andere Kurzbezeichnung oder bearbeiten Sie den "
            "vorhandenen Entwurf.",
        )
    text = resources.render_text(
        ws,
        doc_type,
        "document.md.j2",
        title=title.strip(),
        slug=slug,
        today=(today or dt.date.today()).isoformat(),
        organisation=ws.config.org_name,
    )
    draft = parse_draft(text, path=path, slug=slug)  # the template itself must be valid
    write_draft(draft)
    ws.store.commit([path.parent], f"{DOC_TYPE_NAMES[doc_type]} „{draft.title}“ angelegt")
    return draft


def save_draft(ws: Workspace, slug: str, message: str) -> str:
    """Commit everything in the draft's folder. Returns the sha, or '' when nothing changed.

    Only the front matter must be valid: unfinished text is still saved (never lose work);
    `lafast render` and `lafast check` report problems in the text.
    """
    if not message.strip():
        raise MissingInput("Die Beschreibung der Änderung fehlt.", hint='Geben Sie -m "…" an.')
    draft = load_draft(ws, slug)
    return ws.store.commit([draft.folder], message.strip())
