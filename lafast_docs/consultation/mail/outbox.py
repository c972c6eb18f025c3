"""Prepare or send the messages of one kind to the organisations of a round.

Prepared: one draft per recipient, `build/<slug>/e-mails-<runde>/<kind>-<org>.eml`. Sent: one
message at a time through the office's server. Either way each message is recorded in the
round (record.py) and committed as soon as the server took it, so that a re-run after a refused
recipient or a dropped connection sends only the rest, and never one twice by accident.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lafast_docs.consultation.mail import message, record, smtp
from lafast_docs.consultation.model import Round
from lafast_docs.errors import SmtpFailed
from lafast_docs.render.context import german_date
from lafast_docs.storage.files import atomic_write
from lafast_docs.text.drafts import load_draft
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.config import Org

PREPARED, SENT, SKIPPED, FAILED, NOT_TRIED, PLANNED, NO_ADDRESS = (
    "vorbereitet",
    "gesendet",
    "übersprungen",
    "fehler",
    "nicht versucht",
    "probelauf",
    "ohne adresse",
)


@dataclass
class Outgoing:
    """One message still to be made: to whom, of which kind, with which files."""

    kind: str
    org: Org
    attachments: list[Path]
    context: dict[str, Any] = field(default_factory=dict)  # template values of this recipient


@dataclass
class Outcome:
    org: str
    name: str
    to: str
    state: str
    detail: str = ""
    subject: str = ""
    files: list[str] = field(default_factory=list)
    draft: Path | None = None

    @property
    def ok(self) -> bool:
        return self.state in (PREPARED, SENT, SKIPPED, PLANNED)


def drafts_dir(ws: Workspace, rnd: Round) -> Path:
    return ws.build_dir / rnd.slug / f"e-mails-{rnd.id}"


def base_context(ws: Workspace, rnd: Round) -> dict[str, Any]:
    draft = load_draft(ws, rnd.slug)
    return {
        "titel": draft.title,
        "typ": draft.type_name,
        "typ_zu": draft.type_with_zu,
        "typ_der": ("die " if draft.type == "stellungnahme" else "der ") + draft.type_name,
        "version": rnd.version,
        "runde": rnd.number,
        "frist": german_date(rnd.deadline),
        "ueberfaellig": dt.date.today() > rnd.deadline,
        "fachstelle": ws.config.org_name,
    }


def post(
    ws: Workspace,
    rnd: Round,
    outgoing: list[Outgoing],
    *,
    send: bool = False,
    dry_run: bool = False,
    again: bool = False,
    mark_sent: bool = False,
    ask_password: Callable[[str], str] | None = None,
    progress: Callable[[str], None] = lambda _m: None,
) -> list[Outcome]:
    """Prepare drafts (default), list what would be sent (`dry_run`), send (`send`), or note
    that the prepared drafts were sent from the mail program (`mark_sent`).

    Skipped without `again`: a message of that kind already sent to that organisation."""
    marked = 0
    entries = record.load(rnd.folder)
    base = base_context(ws, rnd)
    settings = ws.config.mail
    outcomes: list[Outcome] = []
    todo: list[tuple[Outgoing, record.Entry, Any]] = []
    for item in outgoing:
        org = item.org
        names = [p.name for p in item.attachments]
        subject, body = message.render(
            ws,
            item.kind,
            {
                **base,
                "anrede": message.salutation(org.contact),
                "organisation": org.name,
                "anhaenge": names,
                **item.context,
            },
        )
        row = Outcome(org.id, org.name, org.email, "", subject=subject, files=names)
        outcomes.append(row)
        if not org.email:
            row.state = NO_ADDRESS
            row.detail = f"keine E-Mail-Adresse im Adressbuch (lafast org add {org.id} --email …)"
            continue
        last = record.latest(entries, item.kind, org.id)
        if last is not None and last.sent and not again:
            row.state, row.detail = SKIPPED, f"schon gesendet am {_day(last.sent)}"
            continue
        if dry_run:
            row.state = PLANNED
            continue
        if mark_sent:  # the drafts went out from the mail program: note it, send nothing
            if last is None or not last.prepared:
                row.state, row.detail = NOT_TRIED, "kein Entwurf vorbereitet"
                continue
            last.sent, last.by_hand, last.error = record.now(), True, ""
            row.state, row.detail = SENT, "als von Hand gesendet vermerkt"
            marked += 1
            continue
        if last is not None and not last.sent:  # prepared or failed before: same Message-ID
            entry = last
            entry.subject, entry.to = subject, org.email
            entry.files = record.file_list(item.attachments)
        else:
            entry = record.Entry(
                item.kind,
                org.id,
                org.email,
                subject,
                message.new_message_id(settings),
                record.file_list(item.attachments),
            )
            entries.append(entry)
        msg = message.build(
            settings,
            to=(org.name, org.email),
            subject=subject,
            body=body,
            attachments=item.attachments,
            message_id=entry.message_id,
            draft=not send,
            headers={"X-Lafast-Runde": f"{rnd.slug}/{rnd.id}", "X-Lafast-Art": item.kind},
        )
        todo.append((item, entry, msg))
        row.draft = drafts_dir(ws, rnd) / f"{item.kind}-{org.id}.eml"
    if marked:
        label = message.KINDS[outgoing[0].kind]
        _save(ws, rnd, entries, f"{label}: {marked} E-Mail(s) als von Hand gesendet vermerkt")
    if dry_run or not todo:
        return outcomes
    rows = {o.org: o for o in outcomes}
    if not send:
        for item, entry, msg in todo:
            progress(f"Entwurf für {item.org.name} …")
            draft_path = rows[item.org.id].draft
            assert draft_path is not None
            atomic_write(draft_path, msg.as_bytes())
            entry.prepared, entry.error = record.now(), ""
            rows[item.org.id].state = PREPARED
        path = record.save(rnd.folder, entries)
        label = message.KINDS[todo[0][0].kind]
        ws.store.commit([path], f"{label}: {len(todo)} E-Mail-Entwürfe zu {rnd.slug} ({rnd.id})")
        return outcomes
    _send_all(ws, rnd, entries, todo, rows, ask_password, progress)
    return outcomes


def _send_all(
    ws: Workspace,
    rnd: Round,
    entries: list[record.Entry],
    todo: list[tuple[Outgoing, record.Entry, Any]],
    rows: dict[str, Outcome],
    ask_password: Callable[[str], str] | None,
    progress: Callable[[str], None],
) -> None:
    """Send one by one; each accepted message is committed at once, a failure is recorded."""
    settings = ws.config.mail
    server = smtp.settings_for_sending(settings)
    secret = smtp.password(server, ask_password)
    for _item, _entry, _msg in todo:
        rows[_item.org.id].draft = None
    pending = list(todo)
    try:
        with smtp.connect(server, secret) as conn:
            while pending:
                item, entry, msg = pending[0]
                row = rows[item.org.id]
                progress(f"Sende an {item.org.name} …")
                try:
                    smtp.send(conn, msg, settings.sender, item.org.email)
                except (OSError, smtplib.SMTPException) as exc:
                    entry.error = f"{record.now()}: {smtp.describe(exc)}"
                    row.state, row.detail = FAILED, smtp.describe(exc)
                    pending.pop(0)
                    _save(ws, rnd, entries, f"E-Mail an {item.org.name} nicht gesendet")
                    if smtp.fatal(exc):
                        break
                    continue
                entry.sent, entry.error = record.now(), ""
                row.state = SENT
                pending.pop(0)
                label = message.KINDS[item.kind]
                _save(ws, rnd, entries, f"{label} an {item.org.name} gesendet ({rnd.id})")
    except SmtpFailed as exc:
        if len(pending) == len(todo):  # nothing went out: the plain error
            raise
        for _item, _entry, _msg in pending:
            rows[_item.org.id].state, rows[_item.org.id].detail = NOT_TRIED, exc.message
        return
    for item, _entry, _msg in pending:
        rows[item.org.id].state = NOT_TRIED
        rows[item.org.id].detail = "Verbindung abgebrochen; erneut aufrufen sendet den Rest"


def _save(ws: Workspace, rnd: Round, entries: list[record.Entry], note: str) -> None:
    path = record.save(rnd.folder, entries)
    ws.store.commit([path], note, known_changed=True, want_sha=False)


def _day(stamp: str) -> str:
    return f"{dt.date.fromisoformat(stamp[:10]):%d.%m.%Y}"
