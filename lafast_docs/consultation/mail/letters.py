"""Who gets which message of a round, with which files: invitations (each organisation its own
forms), reminders (those invited who have not answered), reply letters, publication notices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from lafast_docs.consultation.mail import record
from lafast_docs.consultation.mail.message import salutation
from lafast_docs.consultation.mail.outbox import Outcome, Outgoing, post
from lafast_docs.consultation.model import Round
from lafast_docs.consultation.rounds import find_round, forms_of, list_rounds
from lafast_docs.consultation.submissions import list_submissions
from lafast_docs.errors import FormsMissing, NothingToMail, OrgUnknown
from lafast_docs.render.context import german_date
from lafast_docs.text.drafts import load_draft
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.config import Org

ROUND_KINDS = ("einladung", "erinnerung")


def _invited(ws: Workspace, rnd: Round, only: str | None) -> list[Org]:
    if only is not None and only not in rnd.invitees:
        raise OrgUnknown(
            f"„{only}“ ist in {rnd.id} zu {rnd.slug} nicht eingeladen.",
            hint="Eingeladen sind: " + ", ".join(rnd.invitees),
        )
    orgs = []
    for org_id in rnd.invitees:
        org = ws.config.org(org_id)
        if org is not None and (only is None or org_id == only):
            orgs.append(org)
    return orgs


def _with_forms(
    rnd: Round, org: Org, made: dict[str, list[Path]], kind: str, context: dict[str, object]
) -> Outgoing:
    """The organisation's own forms attached (`made`: from `forms_of`, which rebuilds those
    this clone lacks: they are not in git)."""
    files = [p for p in made[org.id] if p.is_file()]
    if not files:
        raise FormsMissing(
            f"Für {org.name} gibt es in {rnd.id} keine Formulare.",
            path=rnd.folder / "formulare" / org.id,
            hint=f"Die Formulare neu erzeugen: „lafast consult formulare {rnd.slug}“.",
        )
    return Outgoing(kind, org, files, context)


def invitations(ws: Workspace, rnd: Round, only: str | None = None) -> list[Outgoing]:
    orgs = _invited(ws, rnd, only)
    made = forms_of(ws, rnd, [org.id for org in orgs])
    return [_with_forms(rnd, org, made, "einladung", {}) for org in orgs]


def reminders(ws: Workspace, rnd: Round, only: str | None = None) -> list[Outgoing]:
    """Those invited who have not answered yet (a named one even if it has)."""
    answered = {s.org for s in list_submissions(rnd.folder)}
    entries = record.load(rnd.folder)
    orgs = [o for o in _invited(ws, rnd, only) if o.id not in answered or only is not None]
    made = forms_of(ws, rnd, [org.id for org in orgs])
    out = []
    for org in orgs:
        invited = record.sent_dates(entries, "einladung", org.id)
        day = dt.date.fromisoformat(invited[0]) if invited else rnd.opened
        out.append(_with_forms(rnd, org, made, "erinnerung", {"eingeladen_am": german_date(day)}))
    return out


def mail_round(
    ws: Workspace,
    slug: str,
    kind: str,
    *,
    round_id: str | None = None,
    to: str | None = None,
    send: bool = False,
    dry_run: bool = False,
    again: bool = False,
    mark_sent: bool = False,
    ask_password: Callable[[str], str] | None = None,
    progress: Callable[[str], None] = lambda _m: None,
) -> tuple[Round, list[Outcome]]:
    """Invitations or reminders of a round: prepared as drafts, listed, sent, or noted as
    sent from the mail program."""
    rnd = find_round(ws, slug, round_id)
    items = invitations(ws, rnd, to) if kind == "einladung" else reminders(ws, rnd, to)
    if not items:
        raise NothingToMail(
            f"In {rnd.id} zu {slug} haben alle Eingeladenen geantwortet; keine Erinnerung nötig.",
            hint="Eine bestimmte Organisation trotzdem erinnern: --to KENNUNG",
        )
    return rnd, post(
        ws,
        rnd,
        items,
        send=send,
        dry_run=dry_run,
        again=again,
        mark_sent=mark_sent,
        ask_password=ask_password,
        progress=progress,
    )


class ReplyLetter(Protocol):
    """What `comments reply` made for one organisation (outputs/replies.Reply)."""

    org: str
    contact: str  # the person to greet: from the answer, else from the address book

    @property
    def outputs(self) -> Sequence[Any]: ...  # each with a .path


def mail_replies(
    ws: Workspace, rnd: Round, letters: Sequence[ReplyLetter], **opts: Any
) -> list[Outcome]:
    """The reply letters, one message per organisation, the PDF attached if there is one."""
    items = []
    for letter in letters:
        org = ws.config.org(letter.org)
        if org is None:  # answered, but no longer in the address book: nowhere to send
            continue
        files = [Path(o.path) for o in letter.outputs]
        pdfs = [f for f in files if f.suffix == ".pdf"]  # the letter to read, not to edit
        context = {"anrede": salutation(letter.contact)} if letter.contact else {}
        items.append(Outgoing("antwort", org, pdfs or files, context))
    return post(ws, rnd, items, **opts)


def mail_notices(
    ws: Workspace, slug: str, final_pdf: Path, **opts: Any
) -> tuple[Round, list[Outcome]]:
    """The publication notice, with the signed PDF, to everyone invited in any round of the
    document; recorded in the newest round."""
    draft = load_draft(ws, slug)
    rounds = list_rounds(ws, slug)
    if not rounds:
        raise NothingToMail(
            f"„{slug}“ hatte keine Beteiligungsrunde; niemand ist zu benachrichtigen.",
        )
    if not final_pdf.is_file():
        raise NothingToMail(
            f"Version {draft.version} von „{slug}“ ist noch nicht veröffentlicht.",
            hint=f"Erst veröffentlichen: lafast publish {slug} --site ORDNER",
        )
    seen: dict[str, Org] = {}
    for rnd in rounds:
        for org in _invited(ws, rnd, None):
            seen.setdefault(org.id, org)
    context = {"adresse": ws.config.org_website, "version": draft.version}
    items = [Outgoing("veroeffentlichung", o, [final_pdf], context) for o in seen.values()]
    newest = rounds[-1]
    return newest, post(ws, newest, items, **opts)
