"""Consultation rounds (Beteiligungsrunden): open, status, close.

A round lives in `comments/<slug>/runde-N/`:
  runde.yaml              what was consulted (version, commit, tag), deadline, invitees
  formulare/<org>/…       the forms sent to each invitee (DOCX, XLSX, YAML); not in git
                          (`.gitignore` beside runde.yaml): they are rebuilt from the frozen
                          version and the address book (`rebuild_forms`, `consult formulare`)
  <org>-<n>.yaml          one normalised submission per imported file (intake/importer.py)
  originale/…             the returned files, byte for byte
  quarantaene/…           rejected files with the reason
Opening a round sets the draft's state to `konsultation`, commits, and tags that commit
`lafast/<slug>/runde-N`: the consulted version is frozen.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs.consultation import forms
from lafast_docs.consultation.intake.sender import is_unconfirmed
from lafast_docs.consultation.mail import record
from lafast_docs.consultation.model import Round
from lafast_docs.consultation.submissions import list_submissions
from lafast_docs.errors import (
    DeadlineInPast,
    DraftError,
    NoInvitees,
    NoOpenRound,
    OrgUnknown,
    RoundFileBroken,
    RoundNotFound,
    RoundStillOpen,
    UnsavedChanges,
)
from lafast_docs.render.progress import QUIET, Progress
from lafast_docs.storage import yamlio
from lafast_docs.storage.files import atomic_write
from lafast_docs.text.drafts import load_draft, write_draft
from lafast_docs.text.history import WORKING, draft_at
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.config import Org

ROUND_FILE = "runde.yaml"
GROUPS = {
    "alle": ("traeger", "gremium"),
    "all": ("traeger", "gremium"),
    "alle-gremien": ("gremium",),
    "all-gremien": ("gremium",),
    "alle-traeger": ("traeger",),
    "all-traeger": ("traeger",),
}


def round_dir(ws: Workspace, slug: str, round_id: str) -> Path:
    return ws.comments_dir / slug / round_id


def load_round(ws: Workspace, path: Path) -> Round:
    """Read runde.yaml; the consulted commit comes from the round's tag (it cannot be inside
    the commit it names)."""
    data = yamlio.load(path.read_text("utf-8"), path=path, error=DraftError, fast=True)
    try:
        return Round(
            slug=str(data["document"]),
            id=str(data["round"]),
            number=int(data["number"]),
            version=str(data["version"]),
            commit=ws.store.resolve(str(data["tag"])),
            tag=str(data["tag"]),
            opened=data["opened"],
            deadline=data["deadline"],
            invitees=[str(x) for x in data.get("invitees") or []],
            closed=data.get("closed"),
            folder=path.parent,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise RoundFileBroken(
            f"Die Rundendatei ist beschädigt: {exc}",
            path=path,
            hint="Stellen Sie sie mit git aus einer früheren Fassung wieder her.",
        ) from exc


def list_rounds(ws: Workspace, slug: str) -> list[Round]:
    base = ws.comments_dir / slug
    if not base.is_dir():
        return []
    rounds = [load_round(ws, p / ROUND_FILE) for p in base.iterdir() if (p / ROUND_FILE).is_file()]
    return sorted(rounds, key=lambda r: r.number)


def rounds_between(ws: Workspace, slug: str, rev_a: str, rev_b: str) -> list[Round]:
    """The rounds whose consulted version lies in the range from `rev_a` (included) to `rev_b`
    (excluded: comments made on `rev_b` are about its text, not about how it came about; unless
    both are the same version). `WORKING` as `rev_b` is the working copy, after HEAD."""
    store = ws.store
    a = store.resolve("HEAD" if rev_a == WORKING else rev_a)
    b = store.resolve("HEAD") if rev_b == WORKING else store.resolve(rev_b)
    chosen = []
    for rnd in list_rounds(ws, slug):
        if not store.is_ancestor(a, rnd.commit) or not store.is_ancestor(rnd.commit, b):
            continue
        if rnd.commit == b and a != b and rev_b != WORKING:
            continue
        chosen.append(rnd)
    return chosen


def find_round(
    ws: Workspace, slug: str, round_id: str | None = None, *, rounds: list[Round] | None = None
) -> Round:
    """The named round, else the newest one."""
    rounds = list_rounds(ws, slug) if rounds is None else rounds
    if not rounds:
        raise RoundNotFound(
            f"Für „{slug}“ gibt es noch keine Beteiligungsrunde.",
            hint=f"Eröffnen mit: lafast consult open {slug} --deadline JJJJ-MM-TT "
            "--invite ORGANISATION",
        )
    if round_id is None:
        return rounds[-1]
    wanted = round_id if round_id.startswith("runde-") else f"runde-{round_id}"
    for r in rounds:
        if r.id == wanted:
            return r
    raise RoundNotFound(
        f"Die Runde „{round_id}“ gibt es für „{slug}“ nicht.",
        hint="Vorhandene Runden: " + ", ".join(r.id for r in rounds),
    )


def resolve_invitees(ws: Workspace, invite: list[str]) -> list[Org]:
    """Organisation ids and groups (`alle-gremien`, `alle-traeger`, `alle`) -> address book."""
    chosen: dict[str, Org] = {}
    unknown = []
    for item in (x.strip() for x in invite):
        if not item:
            continue
        if item in GROUPS:
            for o in ws.config.orgs:
                if o.type in GROUPS[item]:
                    chosen[o.id] = o
        elif (found := ws.config.org(item)) is not None:
            chosen[found.id] = found
        else:
            unknown.append(item)
    if unknown:
        raise OrgUnknown(
            f"Nicht im Adressbuch: {', '.join(unknown)}.",
            hint="„lafast org list“ zeigt alle Kennungen; Gruppen: "
            + ", ".join(sorted({k for k in GROUPS if not k.startswith("all-")})),
        )
    if not chosen:
        raise NoInvitees(
            "Niemand eingeladen.",
            hint="Geben Sie --invite awo-sachsen,lag-fsa-msa oder --invite alle-gremien an.",
        )
    return list(chosen.values())


def open_round(
    ws: Workspace,
    slug: str,
    *,
    deadline: dt.date,
    invite: list[str],
    today: dt.date | None = None,
    progress: Progress = QUIET,
) -> Round:
    """Freeze the current version, open round N+1 and write the forms (one commit, one tag)."""
    today = today or dt.date.today()
    draft = load_draft(ws, slug)
    store = ws.store
    if store.is_dirty(draft.folder):
        raise UnsavedChanges(
            f"„{slug}“ hat ungespeicherte Änderungen.",
            hint=f'Erst speichern: lafast save {slug} -m "…"',
        )
    if deadline < today:
        raise DeadlineInPast(
            f"Die Frist {deadline:%d.%m.%Y} liegt in der Vergangenheit.",
            hint="Geben Sie ein künftiges Datum an: --deadline JJJJ-MM-TT",
        )
    rounds = list_rounds(ws, slug)
    if rounds and rounds[-1].is_open:
        raise RoundStillOpen(
            f"Die {rounds[-1].id} für „{slug}“ ist noch offen.",
            hint=f"Erst schließen: lafast consult close {slug}",
        )
    orgs = resolve_invitees(ws, invite)
    number = (rounds[-1].number + 1) if rounds else 1
    rid = f"runde-{number}"
    folder = round_dir(ws, slug, rid)
    original = draft.path.read_bytes()
    try:
        rnd = _freeze(ws, draft, rid, number, deadline, orgs, today, folder, progress)
    except BaseException:  # leave nothing half-written: the draft as it was, no round folder
        atomic_write(draft.path, original)
        shutil.rmtree(folder, ignore_errors=True)
        raise
    store.tag(rnd.tag, rnd.commit, f"Beteiligungsrunde {number} zu {slug}, Version {rnd.version}")
    return rnd


def _freeze(
    ws: Workspace,
    draft: Any,
    rid: str,
    number: int,
    deadline: dt.date,
    orgs: list[Org],
    today: dt.date,
    folder: Path,
    progress: Progress,
) -> Round:
    slug = draft.slug
    if draft.state != "konsultation":
        draft.set("state", "konsultation")
        write_draft(draft)
    consulted = load_draft(ws, slug)
    rnd = Round(
        slug,
        rid,
        number,
        consulted.version,
        "",
        f"lafast/{slug}/{rid}",
        today,
        deadline,
        [o.id for o in orgs],
        folder=folder,
    )
    forms.write_forms(ws, consulted, rnd, orgs, progress=progress)
    atomic_write(folder / ROUND_FILE, _round_text(rnd))
    atomic_write(folder / ".gitignore", FORMS_IGNORED)
    rnd.commit = ws.store.commit(
        [draft.folder, folder],
        f"Beteiligungsrunde {number} zu „{draft.title}“ eröffnet (Frist {deadline:%d.%m.%Y})",
    )
    return rnd


FORMS_IGNORED = (
    "# Die Formulare entstehen aus der eingefrorenen Fassung und dem Adressbuch; sie gehören\n"
    "# nicht in die Versionsgeschichte. Wiederherstellen: lafast consult formulare KURZNAME\n"
    f"/{forms.FORMS_FOLDER}/\n"
)


def rebuild_forms(
    ws: Workspace,
    slug: str,
    round_id: str | None = None,
    *,
    orgs: list[str] | None = None,
    progress: Progress = QUIET,
) -> tuple[Round, list[Path]]:
    """The forms of a round again, as `consult open` made them: from the version frozen by the
    round's tag and the address book (e.g. on a colleague's clone, where they are not in git).
    `orgs`: only these invitees."""
    rnd = find_round(ws, slug, round_id)
    wanted = rnd.invitees if orgs is None else orgs
    strangers = [o for o in wanted if o not in rnd.invitees]
    if strangers:
        raise OrgUnknown(
            f"Nicht zur {rnd.id} von „{slug}“ eingeladen: {', '.join(strangers)}.",
            hint="Eingeladen sind: " + ", ".join(rnd.invitees),
        )
    # an invitee since removed from the address book still gets its forms, under its id
    invitees = [ws.config.org(o) or Org(o, o, "traeger") for o in wanted]
    written = forms.write_forms(ws, draft_at(ws, slug, rnd.tag), rnd, invitees, progress=progress)
    return rnd, written


def form_files(ws: Workspace, rnd: Round, org_id: str) -> list[Path]:
    """An invitee's forms (DOCX, XLSX, YAML), built first if they are missing here."""
    return forms_of(ws, rnd, [org_id])[org_id]


def forms_of(ws: Workspace, rnd: Round, org_ids: list[str]) -> dict[str, list[Path]]:
    """The invitees' forms (DOCX, XLSX, YAML each): the frozen draft read once, and those
    missing here (they are not in git) built together in one build for the round."""
    if not org_ids:
        return {}
    draft = draft_at(ws, rnd.slug, rnd.tag)
    paths = {
        org_id: [
            forms.forms_dir(rnd, org_id)
            / forms.form_name(
                draft, rnd, ws.config.org(org_id) or Org(org_id, org_id, "traeger"), ext
            )
            for ext in ("docx", "xlsx", "yaml")
        ]
        for org_id in org_ids
    }
    missing = [o for o, files in paths.items() if not all(p.is_file() for p in files)]
    if missing:
        rebuild_forms(ws, rnd.slug, rnd.id, orgs=missing)
    return paths


def _round_text(rnd: Round) -> str:
    return (
        "# Beteiligungsrunde – von lafast geschrieben, bitte nicht von Hand ändern.\n"
        + yamlio.dump(rnd.as_data())
    )


@dataclass(frozen=True)
class InviteeStatus:
    org: str
    name: str
    submissions: int
    last_received: str
    unconfirmed_senders: int = 0  # e-mails whose sender does not fit the address book
    late: int = 0  # of the submissions, how many came after the round was closed
    invited: str = ""  # JJJJ-MM-TT the invitation was sent (versand.yaml), else ""
    reminded: tuple[str, ...] = ()  # the days reminders were sent
    prepared: str = ""  # JJJJ-MM-TT an invitation draft was made, if none was sent

    @property
    def answered(self) -> bool:
        return self.submissions > 0


def round_status(
    ws: Workspace, slug: str, round_id: str | None = None, *, today: dt.date | None = None
) -> tuple[Round, list[InviteeStatus], bool]:
    """Who answered, who is missing; the flag says whether the deadline has passed."""
    rnd = find_round(ws, slug, round_id)
    subs = list_submissions(rnd.folder)
    mails = record.load(rnd.folder)
    rows = []
    extra = sorted({s.org for s in subs} - set(rnd.invitees))
    # answers from organisations that were not invited are kept too
    for org_id in [*rnd.invitees, *extra]:
        mine = [s for s in subs if s.org == org_id]
        org = ws.config.org(org_id)
        rows.append(
            InviteeStatus(
                org_id,
                org.name if org else org_id,
                len(mine),
                max((s.received for s in mine), default=""),
                sum(1 for s in mine if is_unconfirmed(s.data)),
                sum(1 for s in mine if s.data.get("late")),
                next(iter(record.sent_dates(mails, "einladung", org_id)), ""),
                tuple(record.sent_dates(mails, "erinnerung", org_id)),
                (_prepared(mails, org_id)),
            )
        )
    overdue = (today or dt.date.today()) > rnd.deadline
    return rnd, rows, overdue


def _prepared(mails: list[record.Entry], org_id: str) -> str:
    last = record.latest(mails, "einladung", org_id)
    return last.prepared[:10] if last is not None and not last.sent else ""


def close_round(ws: Workspace, slug: str, *, today: dt.date | None = None) -> Round:
    rounds = list_rounds(ws, slug)
    if not rounds or not rounds[-1].is_open:
        raise NoOpenRound(f"Für „{slug}“ ist keine Beteiligungsrunde offen.")
    rnd = rounds[-1]
    rnd.closed = today or dt.date.today()
    atomic_write(rnd.folder / ROUND_FILE, _round_text(rnd))
    draft = load_draft(ws, slug)
    paths = [rnd.folder / ROUND_FILE]
    if draft.state == "konsultation":
        draft.set("state", "abstimmung")
        write_draft(draft)
        paths.append(draft.path)
    ws.store.commit(paths, f"Beteiligungsrunde {rnd.number} zu „{draft.title}“ geschlossen")
    return rnd
