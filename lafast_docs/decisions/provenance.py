"""`lafast blame SLUG --rn N`: which commits, comments, decisions and committee decisions
shaped one paragraph.

The paragraph is followed back through the draft's history: at every commit that touched the
draft, the blocks before and after are aligned (`history.align`), so the paragraph keeps its
identity when Randnummern shift. A commit that changed its text is an event; the walk stops
where the paragraph was added. Comments belong to the paragraph when they were anchored to it
in the consulted version of their round, or when the commit that merged them changed it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from lafast_docs.consultation.model import KIND_NAMES
from lafast_docs.consultation.rounds import list_rounds
from lafast_docs.consultation.submissions import list_submissions
from lafast_docs.decisions import consensus, disposition
from lafast_docs.errors import UnknownRn
from lafast_docs.render.progress import QUIET, Progress
from lafast_docs.storage.git import CommitInfo
from lafast_docs.text.drafts import load_draft
from lafast_docs.text.history import WORKING, align, blocks_at, word_diff, working_blocks
from lafast_docs.text.textmodel import Block
from lafast_docs.workspace import Workspace


@dataclass(frozen=True)
class Event:
    kind: str  # "geaendert", "angelegt", "eingefuegt", "ungespeichert"
    sha: str  # "" for the working copy
    date: str
    author: str
    subject: str
    words: list[tuple[str, str]]
    comment_ids: list[str]  # Comment-Id trailers of this commit that concern the paragraph


@dataclass(frozen=True)
class CommentTrace:
    id: str
    round: str
    rn: int | None
    org: str
    kind: str
    text: str
    decisions: list[disposition.Decision]
    consensus: list[str]
    merged_in: str  # short sha of the merge commit, or ""


@dataclass
class Trace:
    slug: str
    rn: int
    block: Block
    events: list[Event] = field(default_factory=list)
    comments: list[CommentTrace] = field(default_factory=list)

    def as_data(self) -> dict[str, Any]:
        return {
            "dokument": self.slug,
            "rn": self.rn,
            "abschnitt": self.block.section_number,
            "text": self.block.text,
            "geschichte": [
                {
                    "art": e.kind,
                    "commit": e.sha,
                    "datum": e.date,
                    "von": e.author,
                    "nachricht": e.subject,
                    "aenderung": "".join(
                        t if op == "=" else f"[-{t}-]" if op == "-" else f"{{+{t}+}}"
                        for op, t in e.words
                    ),
                    "anmerkungen": e.comment_ids,
                }
                for e in self.events
            ],
            "anmerkungen": [
                {
                    "id": c.id,
                    "runde": c.round,
                    "rn": c.rn,
                    "organisation": c.org,
                    "art": c.kind,
                    "text": c.text,
                    "entscheidungen": [
                        {"entscheidung": d.label, "begruendung": d.reason, "von": d.by, "am": d.at}
                        for d in c.decisions
                    ],
                    "konsens": c.consensus,
                    "uebernommen_in": c.merged_in,
                }
                for c in self.comments
            ],
        }


def _index_in_older(older: list[Block], newer: list[Block], idx: int) -> tuple[str, int | None]:
    """How block `idx` of `newer` came about from `older`: (kind, its index in `older`)."""
    for kind, o, n in align(older, newer):
        if n is not None and n.rn == idx + 1:
            return kind, (o.rn - 1 if o is not None else None)
    raise AssertionError("every block of the newer version is aligned")


def trace(ws: Workspace, slug: str, rn: int, *, progress: Progress = QUIET) -> Trace:
    draft = load_draft(ws, slug)
    blocks = working_blocks(ws, slug)
    if not 1 <= rn <= len(blocks):
        raise UnknownRn(
            f"Eine Randnummer {rn} gibt es in „{slug}“ nicht.",
            hint=f"Die Randnummern gehen von 1 bis {len(blocks)}.",
        )
    result = Trace(slug, rn, blocks[rn - 1])
    merged: dict[str, list[str]] = ws.store.trailers_by_commit(draft.path, "Comment-Id")
    commits = ws.store.log(draft.path)

    def reading(count: int) -> None:  # versions not read before (cached per content hash)
        if count:
            progress.start(count, "Lese frühere Versionen")
        else:
            progress.step()

    versions = blocks_at(ws, slug, [c.sha for c in commits], reading=reading)
    index_at: dict[str, int] = {}  # commit sha -> index of the paragraph in that version
    idx: int | None = rn - 1
    newer = blocks
    if commits and ws.store.is_dirty(draft.path):
        head = versions[0]
        kind, idx = _index_in_older(head, newer, rn - 1)
        if kind != "gleich":
            old_text = head[idx].text if idx is not None else ""
            words = word_diff(old_text, newer[rn - 1].text)
            result.events.append(Event("ungespeichert", "", "", "", WORKING, words, []))
        newer = head
    for i, c in enumerate(commits):
        if idx is None:
            break
        index_at[c.sha] = idx
        if i + 1 == len(commits):
            result.events.append(_event("angelegt", c, [("+", newer[idx].text)], []))
            break
        older = versions[i + 1]
        kind, old_idx = _index_in_older(older, newer, idx)
        if kind != "gleich":
            old_text = older[old_idx].text if old_idx is not None else ""
            words = word_diff(old_text, newer[idx].text)
            ids = merged.get(c.sha, [])
            result.events.append(
                _event("geaendert" if old_idx is not None else "eingefuegt", c, words, ids)
            )
        idx, newer = old_idx, older

    confirmed = consensus.confirmations(ws, slug)
    merged_in = {cid: sha for sha, ids in merged.items() for cid in ids}
    changed_by = {cid: e for e in result.events for cid in e.comment_ids}
    for rnd in list_rounds(ws, slug):
        at = _index_at_commit(ws, rnd.commit, index_at)
        history = disposition.load(rnd.folder)
        for sub in list_submissions(rnd.folder):
            for comment in sub.comments:
                anchored = at is not None and comment["anchor"].get("rn") == at + 1
                event = changed_by.get(comment["id"])
                decided = history.get(comment["id"], [])
                if not anchored and not (event and _concerns(event, comment, decided)):
                    continue
                result.comments.append(
                    CommentTrace(
                        comment["id"],
                        rnd.id,
                        comment["anchor"].get("rn"),
                        str(sub.data.get("org_name") or sub.org),
                        KIND_NAMES[comment["kind"]],
                        str(comment.get("text") or ""),
                        decided,
                        [
                            f"{k.gremium} am {k.date:%d.%m.%Y}"
                            for k in confirmed.get(comment["id"], [])
                        ],
                        merged_in.get(comment["id"], "")[:10],
                    )
                )
    # the merge events name only the comments that concern this paragraph
    mine = {c.id for c in result.comments}
    result.events = [
        dataclasses.replace(e, comment_ids=[i for i in e.comment_ids if i in mine])
        for e in result.events
    ]
    return result


def _concerns(event: Event, comment: dict[str, Any], decided: list[disposition.Decision]) -> bool:
    """Did the merge of `comment` make this change? Its new wording is in the new text (or
    what it deleted is gone from the old)."""
    old = "".join(t for op, t in event.words if op != "+")
    new = "".join(t for op, t in event.words if op != "-")
    proposal = comment.get("proposal") or {}
    wording = decided[-1].text if decided and decided[-1].text else proposal.get("new", "")
    if wording:
        return " ".join(wording.split()) in " ".join(new.split())
    gone = proposal.get("old", "")
    return bool(gone) and gone in old and gone not in new


def _event(kind: str, c: CommitInfo, words: list[tuple[str, str]], ids: list[str]) -> Event:
    return Event(kind, c.sha, c.date.date().isoformat(), c.author, c.subject, words, ids)


def _index_at_commit(ws: Workspace, sha: str, index_at: dict[str, int]) -> int | None:
    """The paragraph's index in the version of commit `sha`: exact when the walk passed the
    commit; else that of the newest walked commit that is an ancestor of it."""
    if sha in index_at:
        return index_at[sha]
    for walked, idx in index_at.items():  # newest first
        if ws.store.is_ancestor(walked, sha):
            return idx
    return None
