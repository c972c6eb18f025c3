"""`lafast comments import`: detect, check, read, anchor, store, commit – one file at a time.

Which formats exist and how each is read is the registry's business (registry.py); here the
result is validated, anchored, saved and committed. No comment is ever lost or applied: the
original is kept byte for byte, tracked changes become proposals, and a file that is refused
goes to the round's quarantine folder with the reason. One broken file does not stop the others.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lafast_docs.consultation.anchor import anchor
from lafast_docs.consultation.intake import registry, safety, sender
from lafast_docs.consultation.model import (
    CONSENTS,
    SUBMISSION_FORMAT,
    Envelope,
    RawSubmission,
    Reader,
    Round,
    doc_code,
    org_code,
)
from lafast_docs.consultation.rounds import find_round, list_rounds
from lafast_docs.consultation.submissions import Stored, iter_comments, list_submissions
from lafast_docs.errors import LafastError, NeedsDocument, NeedsSubmitter, OrgUnknown, Rejected
from lafast_docs.storage import yamlio
from lafast_docs.storage.files import atomic_write
from lafast_docs.text.history import draft_at, model_of
from lafast_docs.text.invisible import strip_invisible, visible
from lafast_docs.workspace import Workspace


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


class _Index:
    """What one import run reads once: rounds, stored submissions, used ids, consulted texts.

    Importing many files would otherwise re-read every earlier submission and re-parse the
    consulted version for each file (quadratic work)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.rounds: dict[str, list[Round]] = {}
        self.subs: dict[Path, list[Any]] = {}
        self.counters: dict[str, int] = {}
        self.scanned: set[str] = set()
        self.codes: dict[str, dict[str, set[str]]] = {}  # slug -> org code -> organisations
        self.blocks: dict[tuple[str, str], list[Any]] = {}

    def rounds_of(self, slug: str) -> list[Round]:
        if slug not in self.rounds:
            self.rounds[slug] = list_rounds(self.ws, slug)
        return self.rounds[slug]

    def submissions(self, folder: Path) -> list[Any]:
        if folder not in self.subs:
            self.subs[folder] = list_submissions(folder)
        return self.subs[folder]

    def _scan(self, slug: str) -> None:
        """One pass over all stored comments of the document: numbers and codes in use."""
        if slug in self.scanned:
            return
        self.scanned.add(slug)
        codes = self.codes.setdefault(slug, {})
        for sub, c in iter_comments(self.ws, slug):
            prefix, _, number = c["id"].rpartition("-")
            self.counters[prefix] = max(self.counters.get(prefix, 0), int(number))
            codes.setdefault(prefix.split("-")[0], set()).add(sub.org)

    def next_number(self, slug: str, code: str) -> int:
        """The highest number used so far for `code` (e.g. AWO-MF) in the document."""
        self._scan(slug)
        return self.counters.get(code, 0)

    def code(self, slug: str, org_id: str) -> str:
        """The id prefix of `org_id` in the document, e.g. AWO-MF (kept once used)."""
        self._scan(slug)
        used = self.codes[slug]
        mine = org_code(org_id, [o.id for o in self.ws.config.orgs], used)
        used.setdefault(mine, set()).add(org_id)
        return f"{mine}-{doc_code(slug)}"

    def consulted_blocks(self, slug: str, commit: str) -> list[Any]:
        if (slug, commit) not in self.blocks:
            self.blocks[slug, commit] = model_of(draft_at(self.ws, slug, commit)).blocks
        return self.blocks[slug, commit]


def import_files(
    ws: Workspace,
    paths: list[Path],
    *,
    from_org: str | None = None,
    round_id: str | None = None,
    document: str | None = None,
    progress: Callable[[Path], None] | None = None,
    late: bool = False,
) -> list[ImportResult]:
    """Import every file; `progress` is called after each one (for a progress bar).

    A reply to a round that is already closed is refused as „verspätet“ unless `late` says
    that it is to be taken in all the same; then it is stored marked late."""
    results = []
    index = _Index(ws)
    for path in paths:
        results.extend(
            import_path(
                ws,
                path,
                from_org=from_org,
                round_id=round_id,
                document=document,
                index=index,
                late=late,
            )
        )
        if progress is not None:
            progress(path)
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
                    Rejected(
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
    index: _Index | None = None,
    late: bool = False,
) -> list[ImportResult]:
    index = index or _Index(ws)
    try:
        safety.check_size(data)
        reader = registry.reader(registry.detect(data, name))
        if reader.unpack is not None:
            return _import_envelope(
                ws,
                data,
                reader,
                registry.unpack(reader.name, data),
                from_org=from_org,
                round_id=round_id,
                document=document,
                index=index,
                late=late,
            )
        raw = registry.read(reader.name, data)
    except Rejected as exc:
        return [_quarantine(ws, data, name, exc, round_id=round_id, document=document)]
    except LafastError as exc:  # e.g. a reader's time limit: this file fails, not the batch
        return [ImportResult(name, "fehler", exc.message, notes=[exc.hint or ""])]
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
                index=index,
                late=late,
            )
        ]
    except LafastError as exc:  # e.g. NeedsSubmitter: the sender must be named
        return [ImportResult(name, "fehler", exc.message, notes=[exc.hint or ""])]


def _import_envelope(
    ws: Workspace, data: bytes, reader: Reader, envelope: Envelope, **opts: Any
) -> list[ImportResult]:
    """Each file in a container (an e-mail) is imported on its own; the container itself is
    kept, byte for byte, beside the first submission it brought."""
    results: list[ImportResult] = []
    for att_name, payload in envelope.attachments:
        results.extend(
            import_bytes(ws, payload, att_name, via=envelope.via, contact=envelope.contact, **opts)
        )
    stored = [r.path for r in results if r.status == "importiert" and r.path is not None]
    if stored:
        first = stored[0]
        digest = hashlib.sha256(data).hexdigest()[:12]
        name = f"{first.stem}-{envelope.tag}-{digest}{reader.file_extensions[0]}"
        kept = first.parent / "originale" / name
        atomic_write(kept, data)
        ws.store.commit([kept], f"{reader.label} zu {first.stem} aufbewahrt", known_changed=True)
    return results


def _target_round(
    ws: Workspace,
    raw_doc: str,
    raw_round: str,
    *,
    round_id: str | None,
    document: str | None,
    index: _Index | None = None,
) -> Round:
    index = index or _Index(ws)
    slug = raw_doc or document
    if not slug:
        candidates = [
            d.name
            for d in sorted(ws.comments_dir.glob("*"))
            if d.is_dir() and any(r.is_open for r in index.rounds_of(d.name))
        ]
        if len(candidates) != 1:
            raise NeedsDocument(
                "Die Datei sagt nicht, zu welchem Dokument sie gehört.",
                hint="Geben Sie es an: --document KURZNAME",
            )
        slug = candidates[0]
    return find_round(ws, slug, raw_round or round_id, rounds=index.rounds_of(slug))


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
    index: _Index,
    late: bool = False,
) -> ImportResult:
    rnd = _target_round(
        ws, raw.document, raw.round, round_id=round_id, document=document, index=index
    )
    org_id = raw.org or from_org
    if not org_id:
        raise NeedsSubmitter(
            f"„{name}“ sagt nicht, von wem die Rückmeldung stammt.",
            hint="Geben Sie die Organisation an: --from KENNUNG (siehe „lafast org list“).",
        )
    org = ws.config.org(org_id)
    if org is None:
        raise OrgUnknown(
            f"„{org_id}“ steht nicht im Adressbuch.",
            hint=f"Erst aufnehmen: lafast org add {org_id} --name … --type …",
        )
    sha = hashlib.sha256(data).hexdigest()
    stored = index.submissions(rnd.folder)
    check = sender.check_sender(org, contact.get("email", ""), confirmed=from_org == org.id)
    if check and check["pruefung"] == sender.CONFIRMED:
        check["bestaetigt_von"] = ws.store.identity()
    for sub in stored:
        if sub.data["source"]["sha256"] == sha:
            if sender.is_unconfirmed(sub.data) and check and check["pruefung"] == sender.CONFIRMED:
                done = _confirm(ws, sub, check)
            else:
                done = f"schon am {sub.received[:10]} importiert ({sub.path.name}); nichts geändert"
            return ImportResult(
                name, "bereits importiert", done, sub.path, [c["id"] for c in sub.comments]
            )
    if rnd.closed is not None and not late:
        return _refused_late(rnd, org.name, name, via)
    removed = _strip_invisible(raw)
    blocks = index.consulted_blocks(rnd.slug, rnd.commit)
    n = 1 + sum(1 for s in stored if s.org == org.id)
    base = f"{org.id}-{n}"
    ext = raw.format
    original = f"originale/{base}-{sha[:12]}.{ext}"
    code = index.code(rnd.slug, org.id)
    counter = index.next_number(rnd.slug, code)
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
    contact_all = {k: visible(v) for k, v in {**contact, **raw.contact}.items()}
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
        **({"sender": check} if check else {}),
        "received": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        **({"late": True} if rnd.closed is not None else {}),
        "source": {
            "file": original,
            "sha256": sha,
            "format": ext,
            "name": _safe_label(name),
            **({"via": via} if via else {}),
        },
        "comments": comments,
    }
    # The record is built here from checked input; tests/test_intake.py validates every
    # stored file against schemas/submission.schema.json (too slow to repeat per file).
    target = rnd.folder / f"{base}.yaml"
    atomic_write(rnd.folder / original, data)
    atomic_write(
        target,
        "# Rückmeldung – von lafast eingelesen. Original: "
        + original
        + "\n"
        + yamlio.dump(record, fast=True),
    )
    ws.store.commit(
        [target, rnd.folder / original],
        f"Rückmeldung von {org.name} zu {rnd.slug} ({rnd.id}) eingelesen: "
        f"{len(comments)} Anmerkung(en)" + (", verspätet" if rnd.closed else ""),
        known_changed=True,
        want_sha=False,
    )
    stored.append(Stored(target, record))
    index.counters[code] = counter
    stale = [c["id"] for c in comments if c["anchor"]["state"] == "veraltet"]
    late_note = f" – verspätet (Runde am {rnd.closed:%d.%m.%Y} geschlossen)" if rnd.closed else ""
    return ImportResult(
        name,
        "importiert",
        f"{len(comments)} Anmerkung(en) von {org.name}{late_note}",
        target,
        [c["id"] for c in comments],
        stale,
        [*raw.skipped, sender.warning(check, org)]
        + (
            [f"{removed} unsichtbare Steuer- oder Leerzeichen (z. B. Richtungswechsel) entfernt."]
            if removed
            else []
        ),
    )


def _confirm(ws: Workspace, sub: Stored, check: dict[str, Any]) -> str:
    """`--from ORG` on a file imported before from a sender that did not fit: confirmed."""
    sub.data["sender"] = check
    text = sub.path.read_text("utf-8")
    head = text.split("\n", 1)[0] + "\n" if text.startswith("#") else ""
    atomic_write(sub.path, head + yamlio.dump(sub.data, fast=True))
    ws.store.commit([sub.path], f"Absender von {sub.path.name} bestätigt ({check['email']})")
    return f"Absender {check['email']} für {sub.data['org_name']} bestätigt; sonst nichts geändert"


def _strip_invisible(raw: RawSubmission) -> int:
    """Remove bidi controls and zero-width characters from everything the file says, in
    place, before anything is stored; returns how many were removed."""
    total = 0

    def clean(text: str) -> str:
        nonlocal total
        text, n = strip_invisible(text)
        total += n
        return text

    for rc in raw.comments:
        for name in ("text", "kind", "quote", "prefix", "suffix", "section", "rationale"):
            setattr(rc, name, clean(getattr(rc, name)))
        rc.author, rc.date = clean(rc.author), clean(rc.date)
        if rc.proposal is not None:
            rc.proposal = (clean(rc.proposal[0]), clean(rc.proposal[1]))
        rc.replies = [{k: clean(v) for k, v in r.items()} for r in rc.replies]
    raw.contact = {k: clean(v) for k, v in raw.contact.items()}
    return total


def _refused_late(rnd: Round, org_name: str, name: str, via: str) -> ImportResult:
    """A reply after `consult close`: nothing is stored until someone decides to take it."""
    again = (
        "Die E-Mail erneut mit --late einlesen"
        if via
        else f"Erneut einlesen mit „lafast comments import {_safe_label(name)} --late“"
    )
    return ImportResult(
        name,
        "verspätet",
        f"Rückmeldung von {org_name}: {rnd.id} zu {rnd.slug} ist seit "
        f"{rnd.closed:%d.%m.%Y} geschlossen; nichts eingelesen",
        notes=[
            f"{again}, wenn sie trotzdem berücksichtigt werden soll; "
            "sie wird dann als verspätet gekennzeichnet."
        ],
    )


def _safe_label(name: str) -> str:
    """The sender's file name, for display only (never used as a path)."""
    cleaned = "".join(ch for ch in name if ch.isprintable() and ch not in "\u202e\u202d\u200f")
    return cleaned[:120]


def _quarantine(
    ws: Workspace,
    data: bytes,
    name: str,
    exc: Rejected,
    *,
    round_id: str | None = None,
    document: str | None = None,
    **_ignored: Any,
) -> ImportResult:
    """Keep a refused file for inspection in the round's quarantine (or the workspace's).

    The note (name, SHA-256, size, reason) is committed; the file itself too when it is small.
    A large one (over `safety.MAX_KEPT_IN_GIT`) stays on this machine only, in the repository's
    private folder under its hash, so refused files cannot grow the history without bound."""
    try:
        folder = _target_round(ws, "", "", round_id=round_id, document=document).folder
    except LafastError:
        folder = ws.comments_dir
    sha = hashlib.sha256(data).hexdigest()
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    qdir = folder / "quarantaene"
    note = qdir / f"{stamp}-{sha[:12]}.txt"
    outside = len(data) > safety.MAX_KEPT_IN_GIT
    kept: Path | None = None
    where = ""
    if outside:
        kept = ws.store.git_dir() / "lafast" / "quarantaene" / f"{sha}.bin"
        where = f"Aufbewahrt (nur auf diesem Rechner, nicht im Verlauf): {kept}\n"
    elif data:
        kept = qdir / f"{stamp}-{sha[:12]}.bin"
    if kept is not None:
        atomic_write(kept, data)
    atomic_write(
        note,
        f"Datei: {_safe_label(name)}\nSHA-256: {sha}\nGröße: {len(data)} Bytes\n{where}"
        f"Grund: {exc.message}\nWas tun: {exc.hint or '-'}\n",
    )
    ws.store.commit(
        [kept, note] if kept is not None and not outside else [note],
        f"Rückmeldung abgelehnt und in Quarantäne: {_safe_label(name)[:60]}",
    )
    return ImportResult(name, "abgelehnt", exc.message, kept or note, notes=[exc.hint or ""])
