"""What one import run reads once: rounds, stored submissions, used comment ids and codes,
consulted texts, the Message-IDs of mails already imported and of the invitations sent.

Importing many files (or a mailbox of many mails) would otherwise re-read every earlier
submission and re-parse the consulted version for each file (quadratic work)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lafast_docs.consultation.anchor import Joined, join_blocks
from lafast_docs.consultation.idindex import round_folders, stored_submissions
from lafast_docs.consultation.mail import record
from lafast_docs.consultation.model import Round, doc_code, org_code
from lafast_docs.consultation.rounds import find_round, list_rounds
from lafast_docs.errors import NeedsDocument
from lafast_docs.text import references
from lafast_docs.text.history import blocks_at, draft_at, model_of
from lafast_docs.workspace import Workspace


class RunIndex:
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
        self.joined: dict[tuple[str, str], Joined] = {}
        self.mail_ids: set[str] | None = None  # imported mails (normal_id), over all rounds
        self.sent: dict[str, tuple[Round, str]] = {}  # Message-ID sent -> (round, org)

    def rounds_of(self, slug: str) -> list[Round]:
        if slug not in self.rounds:
            self.rounds[slug] = list_rounds(self.ws, slug)
        return self.rounds[slug]

    def submissions(self, folder: Path) -> list[Any]:
        if folder not in self.subs:
            self.subs[folder] = stored_submissions(folder)
        return self.subs[folder]

    def _scan(self, slug: str) -> None:
        """One pass over all stored comments of the document: numbers and codes in use."""
        if slug in self.scanned:
            return
        self.scanned.add(slug)
        codes = self.codes.setdefault(slug, {})
        for folder in round_folders(self.ws, slug):  # read once, kept for the duplicate check
            for sub in self.submissions(folder):
                for c in sub.comments:
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
        """The numbered blocks of the consulted version. Without references to the register
        its text alone decides them: read once and kept per content in `.git/lafast/bloecke/`
        (with `blame`'s), so that the next import into the round runs no pandoc."""
        if (slug, commit) not in self.blocks:
            draft = draft_at(self.ws, slug, commit)
            if references.has_references(draft.body):  # values at the Stand, with the register
                self.blocks[slug, commit] = model_of(draft).blocks
            else:
                self.blocks[slug, commit] = blocks_at(self.ws, slug, [commit])[0]
        return self.blocks[slug, commit]

    def consulted_text(self, slug: str, commit: str) -> Joined:
        """The consulted blocks joined for searching quotes (`anchor.join_blocks`), once."""
        if (slug, commit) not in self.joined:
            self.joined[slug, commit] = join_blocks(self.consulted_blocks(slug, commit))
        return self.joined[slug, commit]

    def _mail_scan(self) -> None:
        """Once per run: the Message-IDs already imported and those the office sent."""
        if self.mail_ids is not None:
            return
        self.mail_ids, self.sent = set(), {}
        for doc in sorted(self.ws.comments_dir.glob("*")):
            if not doc.is_dir():
                continue
            for rnd in self.rounds_of(doc.name):
                for sub in self.submissions(rnd.folder):
                    mid = (sub.data.get("source") or {}).get("message_id")
                    if mid:
                        self.mail_ids.add(record.normal_id(str(mid)))
                for mid, entry in record.by_message_id(record.load(rnd.folder)).items():
                    self.sent[mid] = (rnd, entry.org)

    def imported(self, message_id: str) -> bool:
        """Whether a mail with this Message-ID was imported before (in any round)."""
        self._mail_scan()
        assert self.mail_ids is not None
        return bool(message_id) and record.normal_id(message_id) in self.mail_ids

    def answered(self, message_id: str) -> None:
        self._mail_scan()
        assert self.mail_ids is not None
        if message_id:
            self.mail_ids.add(record.normal_id(message_id))

    def invitation(self, refs: tuple[str, ...]) -> tuple[Round, str] | None:
        """The round and organisation of the message a reply refers to (In-Reply-To first,
        then References from the newest), if the office sent it."""
        self._mail_scan()
        for ref in refs:
            found = self.sent.get(record.normal_id(ref))
            if found is not None:
                return found
        return None


def target_round(
    ws: Workspace,
    raw_doc: str,
    raw_round: str,
    *,
    round_id: str | None,
    document: str | None,
    index: RunIndex | None = None,
) -> Round:
    index = index or RunIndex(ws)
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
