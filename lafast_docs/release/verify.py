"""`lafast verify FILE`: which document, version and commit a file is, who signed it off,
whether its PDF signature is valid and covers the whole file, and whether it matches the
website's catalogue. Works without a workspace too (signature and catalogue only).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lafast_docs.errors import DraftNotFound, FileMissing
from lafast_docs.release import signoff
from lafast_docs.release.keyring import load_keyring
from lafast_docs.release.signing import check_pdf
from lafast_docs.text.drafts import load_draft
from lafast_docs.workspace import Workspace

_PDF_ID = re.compile(
    r"Version (?P<version>[\d.]+).*Fassung (?P<commit>[0-9a-f]{40}), "
    r"Freigabe (?P<hash>[0-9a-f]{64}), lafast:(?P<slug>[a-z0-9-]+)"
)


@dataclass
class Identity:
    slug: str = ""
    version: str = ""
    commit: str = ""
    hash: str = ""  # the sign-off content hash the file was made from


@dataclass
class Report:
    file: Path
    sha256: str
    identity: Identity
    signoffs: list[dict[str, Any]] = field(default_factory=list)
    signoffs_complete: bool | None = None  # None: no workspace to check against
    signoffs_current: bool | None = None  # still valid for the newest saved text
    pdf: Any = None  # signing.PdfSignature for PDFs
    catalogue: str = ""  # "stimmt", "abweichend", "fehlt", "" (no catalogue found)
    catalogue_path: Path | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def authentic(self) -> bool:
        return not self.problems


def identify(path: Path, data: bytes) -> Identity:
    suffix = path.suffix.lower()
    ident = Identity()
    if suffix == ".pdf":
        import pikepdf

        try:
            with pikepdf.open(io.BytesIO(data)) as pdf:
                subject = str(pdf.docinfo.get("/Subject", ""))
        except pikepdf.PdfError:
            return ident
        m = _PDF_ID.search(subject)
        if m:
            ident = Identity(m["slug"], m["version"], m["commit"], m["hash"])
    elif suffix in (".html", ".htm"):
        text = data.decode("utf-8", "replace")
        ident = _identity(dict(re.findall(r'<meta name="lafast:(\w+)" content="([^"]*)"', text)))
    elif suffix == ".docx":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                xml = z.read("docProps/custom.xml").decode("utf-8", "replace")
        except (zipfile.BadZipFile, KeyError):
            return ident
        ident = _identity(
            dict(re.findall(r'name="lafast-([\w-]+)"[^>]*>\s*<vt:lpwstr>([^<]*)<', xml))
        )
    return ident


def _identity(props: dict[str, str]) -> Identity:
    """From the lafast properties of an HTML page (meta) or a DOCX file (custom properties)."""
    return Identity(*(props.get(k, "") for k in ("dokument", "version", "commit", "freigabe")))


def verify(path: Path, *, ws: Workspace | None = None, site: Path | None = None) -> Report:
    if not path.is_file():
        raise FileMissing(f"Die Datei {path} gibt es nicht.")
    data = path.read_bytes()
    report = Report(path, hashlib.sha256(data).hexdigest(), identify(path, data))
    ident = report.identity
    if not ident.hash:
        report.problems.append(
            "Die Datei trägt keine Kennung einer freigegebenen Fassung von lafast."
        )
    keyring = None
    if ws is not None:
        keyring = load_keyring(ws)
        if ident.hash:
            _check_signoffs(ws, keyring, report)
    if path.suffix.lower() == ".pdf":
        report.pdf = check_pdf(data, keyring.trust_roots if keyring else ())
        if report.pdf.signed:
            report.problems += report.pdf.problems
            if report.pdf.trusted is None:
                report.notes.append(
                    "Das Zertifikat wurde nicht gegen eine Zertifizierungsstelle geprüft "
                    "(keine „trust_roots“ eingestellt)."
                )
        elif keyring is not None and keyring.pdf_required:
            report.problems.append("Die PDF-Datei ist nicht digital signiert.")
        else:
            report.notes.append("Die PDF-Datei ist nicht digital signiert.")
    _check_catalogue(report, site)
    return report


def _check_signoffs(ws: Workspace, keyring: Any, report: Report) -> None:

    ident = report.identity
    try:
        draft = load_draft(ws, ident.slug, editable=False)
    except DraftNotFound:
        report.problems.append(
            f"Das Dokument „{ident.slug}“ gibt es in diesem Arbeitsbereich nicht."
        )
        return
    mine = [a for a in signoff.approvals(ws, ident.slug) if a.hash == ident.hash]
    valid_roles = set()
    for a in mine:
        # the record's own parts: the (signed) approval names the hash the file carries; a
        # later lafast with other built-in templates must not make old files "not authentic"
        c = signoff.check(ws, a, keyring, a.parts, a.commit)
        report.signoffs.append(
            {
                "name": a.name,
                "rolle": ws.config.roles.get(a.role, a.role),
                "datum": a.date,
                "gueltig": c.valid,
                "signiert": c.authenticated,
                "gruende": c.reasons,
            }
        )
        if c.valid:
            valid_roles.add(a.role)
    needed = ws.config.approvers.get(draft.type, [])
    missing = [ws.config.roles.get(r, r) for r in needed if r not in valid_roles]
    report.signoffs_complete = not missing
    if missing:
        report.problems.append(
            "Keine gültige Freigabe für diese Fassung von: " + ", ".join(missing)
        )
    if not keyring.git_signing and mine:
        report.notes.append(
            "Freigaben sind nicht authentifiziert (keine Signaturschlüssel eingerichtet)."
        )
    current = signoff.signoff_status(ws, ident.slug, keyring=keyring)
    report.signoffs_current = current.hash == ident.hash
    if not report.signoffs_current:
        report.notes.append(
            "Der Text wurde seither geändert; diese Datei ist nicht die neueste freigegebene "
            "Fassung."
        )


def find_catalogue(path: Path, site: Path | None) -> Path | None:
    if site is not None:
        return site / "catalogue.json" if (site / "catalogue.json").is_file() else None
    for parent in list(path.resolve().parents)[:5]:
        if (parent / "catalogue.json").is_file():
            return parent / "catalogue.json"
    return None


def _check_catalogue(report: Report, site: Path | None) -> None:
    cat = find_catalogue(report.file, site)
    if cat is None:
        if site is not None:
            report.problems.append(f"In {site} liegt kein catalogue.json.")
        return
    report.catalogue_path = cat
    try:
        data = json.loads(cat.read_text("utf-8"))
        files = [f for e in data["dokumente"] for f in e["dateien"]]
    except (ValueError, KeyError, TypeError):
        report.problems.append(f"{cat} ist beschädigt.")
        return
    if any(f.get("sha256") == report.sha256 for f in files):
        report.catalogue = "stimmt"
        return
    try:
        rel = report.file.resolve().relative_to(cat.parent.resolve()).as_posix()
    except ValueError:
        rel = ""
    if any(f.get("pfad") == rel for f in files):
        report.catalogue = "abweichend"
        report.problems.append("Die Datei weicht von der im Katalog verzeichneten ab (SHA-256).")
    else:
        report.catalogue = "fehlt"
        report.problems.append("Die Datei steht nicht im Katalog der Website.")
