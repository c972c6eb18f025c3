"""`lafast verify FILE`: is this file what the office approved and published?

Three answers. "echt": a signature that chains to a trust anchor the verifying person holds
(trust.py) covers exactly this file: the PDF's own approval signature, or the site's checksum
list (`SHA256SUMS`, signed in `SHA256SUMS.p7s`) naming the file's SHA-256. "NICHT echt": some
check failed (changed bytes, content changed after signing, a second signature, an untrusted,
expired or revoked certificate, a file the signed list does not name, a rewritten list, a
void sign-off). "nicht prüfbar": nothing failed, but nothing could be proven either, mostly
because no trust anchor was given. Inside a workspace the sign-offs are checked as well.

Revocation lists (revocation.py): those given (`--crl`), the one in the site folder
(`sperrliste.crl`) and, in the office's workspace, the own authority's; a revoked certificate
fails signatures made after the revocation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lafast_docs.errors import DraftNotFound, FileMissing
from lafast_docs.release import signoff
from lafast_docs.release.keyring import load_keyring
from lafast_docs.release.revocation import CRL_NAME, apply_crls, read_crls
from lafast_docs.release.timestamps import proven_until
from lafast_docs.release.trust import Anchors, PdfCheck, SigCheck, anchors, check_detached
from lafast_docs.release.trust import check_pdf as check_pdf_signatures
from lafast_docs.text.drafts import load_draft
from lafast_docs.workspace import Workspace

SUMS = "SHA256SUMS"
SUMS_SIGNATURE = "SHA256SUMS.p7s"
TSA_ROOTS = "zeitstempel-wurzel.pem"  # the time-stamping service's root(s), beside the office's
SITE_MARKER = "catalogue.json"
ECHT, NICHT_ECHT, NICHT_PRUEFBAR = "echt", "NICHT echt", "nicht prüfbar"
NO_ANCHOR = (
    "Kein Vertrauensanker: Es ist kein Zertifikat der Fachstelle angegeben, gegen das sich "
    "die Signatur prüfen ließe."
)

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
class SumsCheck:
    """The file against the site's checksum list and that list against its signature."""

    path: Path
    entry: str  # "stimmt", "abweichend", "fehlt"
    signature: SigCheck | None  # None: the list is not signed


@dataclass
class Report:
    file: Path
    sha256: str
    identity: Identity
    anchors: Anchors = field(default_factory=Anchors)
    signoffs: list[dict[str, Any]] = field(default_factory=list)
    signoffs_complete: bool | None = None  # None: no workspace to check against
    signoffs_current: bool | None = None  # still valid for the newest saved text
    pdf: PdfCheck | None = None
    sums: SumsCheck | None = None
    proven: bool = False  # a trusted signature covers exactly this file
    problems: list[str] = field(default_factory=list)  # each one makes it "NICHT echt"
    unproven: list[str] = field(default_factory=list)  # why it is "nicht prüfbar"
    notes: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if self.problems:
            return NICHT_ECHT
        return ECHT if self.proven else NICHT_PRUEFBAR

    @property
    def authentic(self) -> bool:
        return self.verdict == ECHT


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


def verify(
    path: Path,
    *,
    ws: Workspace | None = None,
    site: Path | None = None,
    trust: tuple[str, ...] = (),
    online: bool = False,
    at: dt.datetime | None = None,
    crls: tuple[Path, ...] = (),
) -> Report:
    """Check `path`; `trust`: `--trust` values (certificate files or SHA-256 fingerprints),
    added to the trust roots set up on this machine; `online`: ask the certificates' OCSP/CRL
    services whether they were revoked; `at`: judge at this time instead of now; `crls`:
    revocation lists to apply besides the site's and the office's own."""
    if not path.is_file():
        raise FileMissing(f"Die Datei {path} gibt es nicht.")
    for crl in crls:
        if not crl.is_file():
            raise FileMissing(f"Die Sperrliste {crl} gibt es nicht.", path=crl)
    keyring = load_keyring(ws) if ws is not None else None
    anchor = anchors(trust, keyring.trust_roots if keyring else ())
    folder = find_site(path, site)
    found = [folder / CRL_NAME] if folder is not None else []
    own = [keyring.crl] if keyring is not None and keyring.crl is not None else []
    lists = read_crls([*crls, *(p for p in found if p.is_file()), *own])
    data = path.read_bytes()
    report = Report(path, hashlib.sha256(data).hexdigest(), Identity(), anchor)
    is_pdf = path.suffix.lower() == ".pdf"
    if is_pdf:
        report.pdf = check_pdf_signatures(data, anchor, at=at, online=online)
        _revocation(report, report.pdf.approval, report.pdf.problems, lists, at, "PDF-Signatur")
        # what the approval signature covers names the document, not what came after it
        report.identity = identify(path, report.pdf.signed_revision or data)
        _judge_pdf(report, report.pdf, at)
    else:
        report.identity = identify(path, data)
    if not report.identity.hash:
        report.problems.append(
            "Die Datei trägt keine Kennung einer freigegebenen Fassung von lafast."
        )
    if ws is not None and keyring is not None and report.identity.hash:
        _check_signoffs(ws, keyring, report)
    _check_sums(report, site, lists)
    if not report.proven and not report.problems:
        if not anchor:
            report.unproven.append(NO_ANCHOR)
        elif is_pdf and report.pdf is not None and not report.pdf.signed:
            report.problems.append("Die PDF-Datei ist nicht digital signiert.")
        elif report.sums is None and not report.unproven:
            report.unproven.append(
                "Diese Datei trägt keine eigene Signatur; prüfbar ist sie nur mit der signierten "
                "Prüfsummenliste der Website (--site ORDNER)."
            )
    return report


def _revocation(
    report: Report,
    check: SigCheck | None,
    problems: list[str],
    lists: list[tuple[Path, Any]],
    at: dt.datetime | None,
    label: str,
) -> None:
    """The revocation lists applied to one signature; what they find joins `problems`."""
    if check is None or not lists:
        return
    before = len(check.problems)
    found = apply_crls(check, lists, at=at, label=label)
    report.notes += [n for n in found if n not in report.notes]
    problems += check.problems[before:]


def _judge_pdf(report: Report, pdf: PdfCheck, at: dt.datetime | None) -> None:
    if not pdf.signed:
        report.notes.append("Die PDF-Datei ist nicht digital signiert.")
        report.problems += [p for p in pdf.problems if "nicht digital signiert" not in p]
        return
    approval = pdf.approval
    if approval is not None and approval.tsa_unanchored:
        _missing_tsa_anchor(report, pdf, approval)
    report.problems += pdf.problems
    until = proven_until(pdf)
    if pdf.proven and until is not None and (at or dt.datetime.now(dt.UTC)) > until:
        report.unproven.append(
            f"Der Zeitstempel der Signatur belegt ihren Zeitpunkt nur bis {until:%d.%m.%Y} (Ende "
            "des Zertifikats des Zeitstempeldienstes); ein Archivzeitstempel von vorher fehlt. "
            "Die Fachstelle ergänzt ihn rechtzeitig mit „lafast signing archive“."
        )
        return
    report.proven = report.proven or pdf.proven
    if pdf.only_validation_data:
        report.notes.append(
            "Nach der Signatur wurden nur Prüfdaten ergänzt (Zeitstempel, Sperrinformationen)."
        )


def _missing_tsa_anchor(report: Report, pdf: PdfCheck, approval: SigCheck) -> None:
    """The signature's timestamp is sound but its service's root is no anchor of the reader:
    say which one is missing. Judged without it, a signature whose certificate has expired
    since cannot be proven either way: "nicht prüfbar", not "NICHT echt"."""
    missing = (
        f"Der Zeitstempel der Signatur lässt sich nicht prüfen: es fehlt der Vertrauensanker "
        f"des Zeitstempeldienstes ({approval.tsa_unanchored}). Die Fachstelle veröffentlicht "
        f"ihn als {TSA_ROOTS} neben zertifikat.pem; mit einem zweiten „--trust {TSA_ROOTS}“ "
        "(oder --trust SHA256:… mit dem Fingerabdruck auf der Website) angeben."
    )
    expired = [p for p in approval.problems if "abgelaufen" in p]
    if expired and len(expired) == len(approval.problems) and set(expired) <= set(pdf.problems):
        pdf.problems[:] = [p for p in pdf.problems if p not in expired]
        report.unproven += [*expired, missing]
    else:
        report.notes.append(missing)


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


def find_site(path: Path, site: Path | None) -> Path | None:
    """The website folder: `--site`, else the nearest folder above the file with a catalogue."""
    if site is not None:
        return site
    for parent in list(path.resolve().parents)[:5]:
        if (parent / SITE_MARKER).is_file() and (parent / SUMS).is_file():
            return parent
    return None


def _check_sums(report: Report, site: Path | None, lists: list[tuple[Path, Any]]) -> None:
    folder = find_site(report.file, site)
    if folder is None:
        return
    sums_path = folder / SUMS
    if not sums_path.is_file():
        report.problems.append(f"In {folder} liegt keine Prüfsummenliste ({SUMS}).")
        return
    raw = sums_path.read_bytes()
    listed = _parse_sums(raw)
    try:
        rel = report.file.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        rel = ""
    if report.sha256 in listed.values():
        entry = "stimmt"
    elif (
        report.pdf is not None
        and report.pdf.proven
        and (rel in listed or any(k.rsplit("/", 1)[-1] == report.file.name for k in listed))
    ):
        entry = "abweichend"  # the site has a later edition of the same signed file
        report.notes.append(
            "Die Website führt diese PDF-Datei inzwischen mit weiteren Prüfdaten "
            "(Archivzeitstempel); die eigene Signatur der Datei belegt sie."
        )
    elif rel in listed:
        entry = "abweichend"
        report.problems.append(
            "Die Datei weicht von der in der Prüfsummenliste verzeichneten ab (SHA-256)."
        )
    else:
        entry = "fehlt"
        report.problems.append("Die Datei steht nicht in der Prüfsummenliste der Website.")
    sig_path = folder / SUMS_SIGNATURE
    signature = None
    if sig_path.is_file():
        signature = check_detached(raw, sig_path.read_bytes(), report.anchors, name=SUMS)
        _revocation(report, signature, [], lists, None, "Prüfsummenliste")
        report.problems += [f"Prüfsummenliste: {p}" for p in signature.problems]
        if entry == "stimmt" and signature.sound and signature.trusted:
            report.proven = True
    elif report.anchors:
        report.problems.append(
            f"Die Prüfsummenliste {sums_path} ist nicht signiert ({SUMS_SIGNATURE} fehlt)."
        )
    report.sums = SumsCheck(sums_path, entry, signature)


def _parse_sums(raw: bytes) -> dict[str, str]:
    """`sha256sum` lines (`HASH  PATH`) -> {path: hash}; other lines are ignored."""
    out = {}
    for line in raw.decode("utf-8", "replace").splitlines():
        m = re.fullmatch(r"([0-9a-f]{64}) [ *](.+)", line)
        if m:
            out[m[2]] = m[1]
    return out
