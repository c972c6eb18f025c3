"""`lafast comments import`: detect, check, read, anchor, store, commit – one file at a time.

No comment is ever lost or applied: the original is kept byte for byte, tracked changes become
proposals, and a file that is refused goes to the round's quarantine folder with the reason.
One broken file does not stop the others.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lafast_docs import yamlio
from lafast_docs.comments import safety
from lafast_docs.comments.anchor import anchor
from lafast_docs.comments.model import (
    CONSENTS,
    SUBMISSION_FORMAT,
    RawSubmission,
    doc_code,
    org_code,
    require_valid,
)
from lafast_docs.comments.submissions import iter_comments, list_submissions
from lafast_docs.config import Workspace
from lafast_docs.errors import LafastError
from lafast_docs.store import atomic_write

FORMATS = ("docx", "xlsx", "csv", "yaml", "eml")


@dataclass
class ImportResult:
    name: str
    status: str  # "importiert", "bereits importiert", "abgelehnt", "fehler"
    message: str = ""
    path: Path | None = None
    ids: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in ("importiert", "bereits importiert")


class NeedsSubmitter(LafastError):
    """The file does not say who sent it."""


def detect(data: bytes, name: str) -> str:
    lower = name.lower()
    if data[:4] == b"PK\x03\x04":
        zf = safety.open_zip(data)
        names = set(zf.namelist())
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        raise safety.Rejected(
            "Das ist weder eine Word- noch eine Excel-Datei.",
            hint="Erlaubt sind .docx, .xlsx, .csv, .yaml und .eml.",
        )
    if lower.endswith(".eml"):
        return "eml"
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith((".yaml", ".yml")):
        return "yaml"
    head = data[:2048].decode("utf-8", "replace")
    if re.search(r"(?mi)^(from|received|mime-version|subject):", head):
        return "eml"
    if re.search(r"(?m)^format:\s*[\"']?lafast-rueckmeldung", head):
        return "yaml"
    raise safety.Rejected(
        f"Unbekanntes Dateiformat „{Path(name).suffix or name}“.",
        hint="Erlaubt sind .docx, .xlsx, .csv, .yaml und .eml. Word-Dateien "
        "bitte als .docx (nicht .doc oder .pdf) speichern lassen.",
    )


def read(fmt: str, data: bytes) -> RawSubmission:
    if fmt == "yaml":
        from lafast_docs.comments.intake_yaml import read_yaml

        return read_yaml(data)
    if fmt == "xlsx":
        from lafast_docs.comments.intake_table import read_xlsx

        return read_xlsx(data)
    if fmt == "csv":
        from lafast_docs.comments.intake_table import read_csv

        return read_csv(data)
    if fmt == "docx":
        from lafast_docs.comments.intake_docx import read_docx

        return read_docx(data)
    raise AssertionError(fmt)


def import_files(
    ws: Workspace,
    paths: list[Path],
    *,
    from_org: str | None = None,
    round_id: str | None = None,
    document: str | None = None,
) -> list[ImportResult]:
    results = []
    for path in paths:
        results.extend(
            import_path(ws, path, from_org=from_org, round_id=round_id, document=document)
        )
    return results


def import_path(ws: Workspace, path: Path, **opts: Any) -> list[ImportResult]:
    name = path.name
    try:
        size = path.stat().st_size
        if size > safety.MAX_FILE:  # refused before reading; only the note is kept
            return [
                _quarantine(
                    ws,
                    b"",
                    name,
                    safety.Rejected(
                        f"Die Datei ist zu groß ({size / 1e6:.1f} MB, erlaubt sind "
                        f"{safety.MAX_FILE / 1e6:.0f} MB).",
                        hint="Bitten Sie um eine kleinere Datei, z. B. ohne eingebettete Bilder.",
                    ),
                    **opts,
                )
            ]
        data = path.read_bytes()
    except OSError as exc:
        return [ImportResult(name, "fehler", f"Datei nicht lesbar: {exc.strerror}")]
    return import_bytes(ws, data, name, **opts)


def import_bytes(
    ws: Workspace,
    data: bytes,
    name: str,
    *,
    from_org: str | None = None,
    round_id: str | None = None,
    document: str | None = None,
    via: str = "",
    contact: dict[str, str] | None = None,
) -> list[ImportResult]:
    try:
        safety.check_size(data)
        fmt = detect(data, name)
        if fmt == "eml":
            from lafast_docs.comments.intake_eml import import_eml

            return import_eml(
                ws, data, name, from_org=from_org, round_id=round_id, document=document
            )
        if fmt in ("docx", "xlsx"):
            safety.check_office_parts(safety.open_zip(data))
        raw = read(fmt, data)
    except safety.Rejected as exc:
        return [_quarantine(ws, data, name, exc, round_id=round_id, document=document)]
    try:
        return [
            _store(
                ws,
                raw,
                data,
                name,
                from_org=from_org,
                round_id=round_id,
                document=document,
                via=via,
                contact=contact or {},
            )
        ]
    except NeedsSubmitter as exc:
        return [ImportResult(name, "fehler", exc.message, notes=[exc.hint or ""])]
    except LafastError as exc:
        return [ImportResult(name, "fehler", exc.message, notes=[exc.hint or ""])]


def _target_round(
    ws: Workspace, raw_doc: str, raw_round: str, *, round_id: str | None, document: str | None
):  # type: ignore[no-untyped-def]
    from lafast_docs.rounds import find_round, list_rounds

    slug = raw_doc or document
    if not slug:
        candidates = [
            d.name
            for d in sorted(ws.comments_dir.glob("*"))
            if d.is_dir() and any(r.is_open for r in list_rounds(ws, d.name))
        ]
        if len(candidates) != 1:
            raise LafastError(
                "Die Datei sagt nicht, zu welchem Dokument sie gehört.",
                hint="Geben Sie es an: --document KURZNAME",
            )
        slug = candidates[0]
    return find_round(ws, slug, raw_round or round_id)


def _store(
    ws: Workspace,
    raw: RawSubmission,
    data: bytes,
    name: str,
    *,
    from_org: str | None,
    round_id: str | None,
    document: str | None,
    via: str,
    contact: dict[str, str],
) -> ImportResult:
    from lafast_docs.history import draft_at, model_of

    rnd = _target_round(ws, raw.document, raw.round, round_id=round_id, document=document)
    org_id = raw.org or from_org
    if not org_id:
        raise NeedsSubmitter(
            f"„{name}“ sagt nicht, von wem die Rückmeldung stammt.",
            hint="Geben Sie die Organisation an: --from KENNUNG (siehe „lafast org list“).",
        )
    org = ws.config.org(org_id)
    if org is None:
        raise LafastError(
            f"„{org_id}“ steht nicht im Adressbuch.",
            hint=f"Erst aufnehmen: lafast org add {org_id} --name … --type …",
        )
    sha = hashlib.sha256(data).hexdigest()
    for sub in list_submissions(rnd.folder):
        if sub.data["source"]["sha256"] == sha:
            return ImportResult(
                name,
                "bereits importiert",
                f"schon am {sub.received[:10]} importiert ({sub.path.name}); nichts geändert",
                sub.path,
                [c["id"] for c in sub.comments],
            )
    blocks = model_of(draft_at(ws, rnd.slug, rnd.commit)).blocks
    n = 1 + sum(1 for s in list_submissions(rnd.folder) if s.org == org.id)
    base = f"{org.id}-{n}"
    ext = raw.format
    original = f"originale/{base}-{sha[:12]}.{ext}"
    code = f"{org_code(org.id, [o.id for o in ws.config.orgs])}-{doc_code(rnd.slug)}"
    used = [
        int(c["id"].rsplit("-", 1)[1])
        for _s, c in iter_comments(ws, rnd.slug)
        if c["id"].startswith(code + "-")
    ]
    counter = max(used, default=0)
    comments = []
    for rc in raw.comments:
        counter += 1
        entry: dict[str, Any] = {
            "id": f"{code}-{counter:03d}",
            "kind": rc.kind or "inhaltlich",
            "text": rc.text,
            "proposal": {"old": rc.proposal[0], "new": rc.proposal[1]} if rc.proposal else None,
            "rationale": rc.rationale,
            "anchor": anchor(rc, blocks, rnd.commit),
            "origin": rc.origin,
        }
        if rc.author:
            entry["author"] = rc.author
        if rc.date:
            entry["date"] = rc.date
        if rc.replies:
            entry["replies"] = rc.replies
        comments.append(entry)
    contact_all = {**contact, **raw.contact}
    record: dict[str, Any] = {
        "format": SUBMISSION_FORMAT,
        "document": rnd.slug,
        "round": rnd.id,
        "version": rnd.version,
        "commit": rnd.commit,
        "org": org.id,
        "org_name": org.name,
        "contact": contact_all,
        "consent": raw.consent if raw.consent in CONSENTS else "intern",
        "received": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "source": {
            "file": original,
            "sha256": sha,
            "format": ext,
            "name": _safe_label(name),
            **({"via": via} if via else {}),
        },
        "comments": comments,
    }
    require_valid(record, "submission.schema.json", what="Die eingelesene Rückmeldung")
    target = rnd.folder / f"{base}.yaml"
    atomic_write(rnd.folder / original, data)
    atomic_write(
        target,
        "# Rückmeldung – von lafast eingelesen. Original: " + original + "\n" + yamlio.dump(record),
    )
    ws.store.commit(
        [target, rnd.folder / original],
        f"Rückmeldung von {org.name} zu {rnd.slug} ({rnd.id}) eingelesen: "
        f"{len(comments)} Anmerkung(en)",
    )
    stale = [c["id"] for c in comments if c["anchor"]["state"] == "veraltet"]
    return ImportResult(
        name,
        "importiert",
        f"{len(comments)} Anmerkung(en) von {org.name}",
        target,
        [c["id"] for c in comments],
        stale,
        raw.skipped,
    )


def _safe_label(name: str) -> str:
    """The sender's file name, for display only (never used as a path)."""
    cleaned = "".join(ch for ch in name if ch.isprintable() and ch not in "\u202e\u202d\u200f")
    return cleaned[:120]


def _quarantine(
    ws: Workspace,
    data: bytes,
    name: str,
    exc: safety.Rejected,
    *,
    round_id: str | None = None,
    document: str | None = None,
    **_ignored: Any,
) -> ImportResult:
    """Keep a refused file for inspection in the round's quarantine (or the workspace's)."""
    try:
        folder = _target_round(ws, "", "", round_id=round_id, document=document).folder
    except LafastError:
        folder = ws.comments_dir
    sha = hashlib.sha256(data).hexdigest()
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    qdir = folder / "quarantaene"
    bin_path = qdir / f"{stamp}-{sha[:12]}.bin"
    note = qdir / f"{stamp}-{sha[:12]}.txt"
    if data:
        atomic_write(bin_path, data)
    atomic_write(
        note,
        f"Datei: {_safe_label(name)}\nSHA-256: {sha}\nGrund: {exc.message}\n"
        f"Was tun: {exc.hint or '-'}\n",
    )
    ws.store.commit(
        [bin_path, note] if data else [note],
        f"Rückmeldung abgelehnt und in Quarantäne: {_safe_label(name)[:60]}",
    )
    return ImportResult(
        name, "abgelehnt", exc.message, bin_path if data else note, notes=[exc.hint or ""]
    )
