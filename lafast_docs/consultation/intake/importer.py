"""`lafast comments import`: detect, check, read, anchor, store, commit.

Which formats exist and how each is read is the registry's business (registry.py); here the
result is validated, anchored and saved; the files of a batch are committed together
(batch.py), each answer named in the commit message. No comment is ever lost or applied: the
original is kept byte for byte, tracked changes become proposals, and a file that is refused
goes to the round's quarantine folder with the reason. One broken file does not stop the others.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from lafast_docs.consultation.anchor import anchor
from lafast_docs.consultation.intake import eml, registry, safety, sender
from lafast_docs.consultation.intake.batch import Batch
from lafast_docs.consultation.intake.quarantine import ImportResult, quarantine, safe_label
from lafast_docs.consultation.intake.runindex import RunIndex, target_round
from lafast_docs.consultation.model import (
    CONSENTS,
    SUBMISSION_FORMAT,
    Envelope,
    RawComment,
    RawSubmission,
    Reader,
    Round,
)
from lafast_docs.consultation.submissions import Stored
from lafast_docs.errors import LafastError, NeedsSubmitter, OrgUnknown, Rejected
from lafast_docs.storage import yamlio
from lafast_docs.text.invisible import strip_invisible, visible
from lafast_docs.workspace import Workspace


def import_files(
    ws: Workspace,
    paths: list[Path],
    *,
    from_org: str | None = None,
    round_id: str | None = None,
    document: str | None = None,
    progress: Callable[[Path], None] | None = None,
    late: bool = False,
    mail_text: bool = False,
) -> list[ImportResult]:
    """Import every file; `progress` is called after each one (for a progress bar).

    A reply to a round that is already closed is refused as „verspätet“ unless `late` says
    that it is to be taken in all the same; then it is stored marked late. With `mail_text`,
    the text a mail's writer typed becomes one general comment of its own."""
    results = []
    index = RunIndex(ws)
    batch = Batch(ws)
    for path in paths:
        results.extend(
            import_path(
                ws,
                path,
                from_org=from_org,
                round_id=round_id,
                document=document,
                index=index,
                batch=batch,
                late=late,
                mail_text=mail_text,
            )
        )
        batch.maybe_flush()
        if progress is not None:
            progress(path)
    batch.flush()
    return results


def import_path(ws: Workspace, path: Path, *, batch: Batch, **opts: Any) -> list[ImportResult]:
    """One file, mailbox or Maildir folder; what it brings joins `batch` (committed by the
    caller)."""
    opts["batch"] = batch
    name = path.name
    try:
        box = registry.mailbox(path)
        if box is not None:  # each mail on its own
            return _import_mailbox(ws, path, box, **opts)
        if path.is_dir():
            return [
                ImportResult(
                    name,
                    "fehler",
                    "Ein Ordner lässt sich nur als Maildir-Postfach einlesen (mit den "
                    "Unterordnern cur und new).",
                    notes=["Sonst die Dateien darin angeben, z. B. ORDNER/*.docx"],
                )
            ]
        size = path.stat().st_size
        if size > safety.MAX_FILE:  # refused before reading; only the note is kept
            return [
                quarantine(
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


def _import_mailbox(
    ws: Workspace, path: Path, messages: Iterator[tuple[str, bytes]], **opts: Any
) -> list[ImportResult]:
    results: list[ImportResult] = []
    try:
        for n, (name, data) in enumerate(messages, 1):
            for r in import_bytes(ws, data, name, **opts):  # named by mail, then file
                where = f"{path.name}, E-Mail {n}"
                r.name = where if r.name == name else f"{where}: {r.name}"
                results.append(r)
            opts["batch"].maybe_flush()  # between mails: each mail's files in one commit
    except Rejected as exc:  # the mailbox as a whole (too many mails, none, unreadable)
        results.append(quarantine(ws, b"", path.name, exc, **opts))
    return results


def import_bytes(
    ws: Workspace, data: bytes, name: str, *, batch: Batch | None = None, **opts: Any
) -> list[ImportResult]:
    """Import one file's bytes (see `_import_bytes` for the options). Without a `batch` of the
    caller's, what it stores is committed before this returns."""
    if batch is not None:
        return _import_bytes(ws, data, name, batch=batch, **opts)
    own = Batch(ws)
    results = _import_bytes(ws, data, name, batch=own, **opts)
    own.flush()
    return results


def _import_bytes(
    ws: Workspace,
    data: bytes,
    name: str,
    *,
    batch: Batch,
    from_org: str | None = None,
    round_id: str | None = None,
    document: str | None = None,
    via: str = "",
    contact: dict[str, str] | None = None,
    index: RunIndex | None = None,
    late: bool = False,
    invited: str = "",
    mail_id: str = "",
    depth: int = 0,
    mail_text: bool = False,
) -> list[ImportResult]:
    """`invited`: the organisation whose invitation a mail answers (if the file does not say);
    `mail_id`: the Message-ID of the mail the file came in; `depth`: 1 inside a mail."""
    index = index or RunIndex(ws)
    try:
        safety.check_size(data)
        reader = registry.reader(registry.detect(data, name))
        if reader.split is not None:
            raise Rejected("Ein Postfach (mbox) in einer E-Mail wird nicht geöffnet.")
        if reader.unpack is not None:
            return _import_envelope(
                ws,
                data,
                name,
                reader,
                registry.unpack(reader.name, data, nested=depth == 0),
                from_org=from_org,
                round_id=round_id,
                document=document,
                index=index,
                batch=batch,
                late=late,
                outer=(contact, via, invited, mail_id) if depth else None,
                depth=depth,
                mail_text=mail_text and depth == 0,
            )
        raw = registry.read(reader.name, data)
    except Rejected as exc:
        return [quarantine(ws, data, name, exc, round_id=round_id, document=document, batch=batch)]
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
                batch=batch,
                late=late,
                invited=invited,
                mail_id=mail_id,
            )
        ]
    except LafastError as exc:  # e.g. NeedsSubmitter: the sender must be named
        return [ImportResult(name, "fehler", exc.message, notes=[exc.hint or ""])]


def _import_envelope(
    ws: Workspace,
    data: bytes,
    name: str,
    reader: Reader,
    envelope: Envelope,
    *,
    index: RunIndex,
    batch: Batch,
    outer: tuple[dict[str, str] | None, str, str, str] | None = None,
    depth: int = 0,
    mail_text: bool = False,
    **opts: Any,
) -> list[ImportResult]:
    """Each file in a container (an e-mail) is imported on its own; the container itself is
    kept, byte for byte, beside the first submission it brought. A mail is imported once (by
    Message-ID); a reply to an invitation says which round and organisation it answers. A
    forwarded mail inside (`outer` set) counts as the outer mail's: its sender is checked."""
    if outer is None and index.imported(envelope.message_id):
        return [
            ImportResult(
                name,
                "bereits importiert",
                f"diese E-Mail ({safe_label(envelope.message_id)}) ist schon eingelesen; "
                "nichts geändert",
            )
        ]
    contact, via, invited, mail_id = outer or (envelope.contact, envelope.via, "", "")
    notes: list[str] = []
    match = index.invitation(envelope.refs) if outer is None else None
    if match is not None:
        rnd, invited = match
        if opts.get("round_id") is None and opts.get("document") is None:
            opts.update(round_id=rnd.id, document=rnd.slug)
        notes.append(f"Antwort auf die Einladung an {invited} ({rnd.slug}, {rnd.id})")
    said = mail_text and bool(envelope.body)
    if not envelope.attachments and not said:
        raise eml.no_attachment(registry.attachable())
    results: list[ImportResult] = []
    if said:  # the mail's own text, stored like a file with one general comment
        try:
            results.append(
                _store(
                    ws,
                    RawSubmission(reader.name, [RawComment(envelope.body, "grundsaetzlich")]),
                    data,
                    name,
                    via=via,
                    contact=contact or {},
                    index=index,
                    batch=batch,
                    invited=invited,
                    mail_id=envelope.message_id,
                    **{k: opts.get(k) for k in ("from_org", "round_id", "document")},
                    late=bool(opts.get("late")),
                )
            )
        except LafastError as exc:
            results.append(ImportResult(name, "fehler", exc.message, notes=[exc.hint or ""]))
    for att_name, payload in envelope.attachments:
        results.extend(
            import_bytes(
                ws,
                payload,
                att_name,
                via=via,
                contact=contact,
                index=index,
                batch=batch,
                invited=invited,
                mail_id=mail_id or envelope.message_id,
                depth=depth + 1,
                **opts,
            )
        )
    if results and notes:
        results[0].notes[:0] = notes
    files = results[1:] if said else results  # the mail itself is kept by its text's record
    stored = [r.path for r in files if r.status == "importiert" and r.path is not None]
    if stored:
        first = stored[0]
        digest = hashlib.sha256(data).hexdigest()[:12]
        kept_name = f"{first.stem}-{envelope.tag}-{digest}{reader.file_extensions[0]}"
        kept = first.parent / "originale" / kept_name
        batch.add({kept: data}, f"{reader.label} zu {first.stem} aufbewahrt")
    if any(r.ok for r in results) and outer is None:
        index.answered(envelope.message_id)
    return results


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
    index: RunIndex,
    batch: Batch,
    late: bool = False,
    invited: str = "",
    mail_id: str = "",
) -> ImportResult:
    rnd = target_round(
        ws, raw.document, raw.round, round_id=round_id, document=document, index=index
    )
    org_id = raw.org or from_org or invited
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
                done = _confirm(sub, check, batch)
            else:
                done = f"schon am {sub.received[:10]} importiert ({sub.path.name}); nichts geändert"
            return ImportResult(
                name, "bereits importiert", done, sub.path, [c["id"] for c in sub.comments]
            )
    if rnd.closed is not None and not late:
        return _refused_late(rnd, org.name, name, via)
    removed = _strip_invisible(raw)
    blocks = index.consulted_blocks(rnd.slug, rnd.commit)
    joined = index.consulted_text(rnd.slug, rnd.commit)
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
            "anchor": anchor(rc, blocks, rnd.commit, joined=joined),
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
            "name": safe_label(name),
            **({"via": via} if via else {}),
            **({"message_id": safe_label(mail_id)} if mail_id else {}),
        },
        "comments": comments,
    }
    # The record is built here from checked input; tests/test_intake.py validates every
    # stored file against schemas/submission.schema.json (too slow to repeat per file).
    target = rnd.folder / f"{base}.yaml"
    batch.add(
        {
            rnd.folder / original: data,
            target: "# Rückmeldung – von lafast eingelesen. Original: "
            + original
            + "\n"
            + yamlio.dump(record, fast=True),
        },
        f"Rückmeldung von {org.name} zu {rnd.slug} ({rnd.id}) eingelesen: "
        f"{len(comments)} Anmerkung(en)"
        + (", verspätet" if rnd.closed else "")
        + f" – {target.name} aus „{safe_label(name)}“",
        comments=len(comments),
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


def _confirm(sub: Stored, check: dict[str, Any], batch: Batch) -> str:
    """`--from ORG` on a file imported before from a sender that did not fit: confirmed."""
    sub.data["sender"] = check
    text = batch.text(sub.path)
    head = text.split("\n", 1)[0] + "\n" if text.startswith("#") else ""
    batch.add(
        {sub.path: head + yamlio.dump(sub.data, fast=True)},
        f"Absender von {sub.path.name} bestätigt ({check['email']})",
    )
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
        else f"Erneut einlesen mit „lafast comments import {safe_label(name)} --late“"
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
