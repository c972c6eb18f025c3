"""`lafast merge`: apply accepted proposals that have the consensus they need to the current text.

Each proposal is re-found in the *current* Markdown source (the draft may have moved since the
round): its old text word by word (line wraps allowed, never across a blank line), told apart
by the context around it when it occurs more than once. All or nothing per proposal:
- stale (not found), ambiguous, overlapping with another proposal, or lacking consensus:
  refused with the reason and what to do; the others are applied;
- the new text is inserted as literal text: every Markdown or HTML character is escaped, so no
  markup, link or image can arrive from outside.
One commit for the new version; its message lists `Comment-Id:` and `Consensus:` trailers, and
those trailers also tell later merges what was applied already.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from lafast_docs.consultation.submissions import iter_comments
from lafast_docs.decisions import consensus, disposition
from lafast_docs.errors import UnsavedChanges
from lafast_docs.storage.files import atomic_write
from lafast_docs.text.analysis import analyse
from lafast_docs.text.drafts import Draft, load_draft, write_draft
from lafast_docs.text.invisible import visible
from lafast_docs.text.references import value_changes
from lafast_docs.text.register import load_register
from lafast_docs.workspace import Workspace

_WS = r"(?:[ \t]+|[ \t]*\n[ \t]*)"  # spaces or one line break, never an empty line
_ESCAPE = set("\\`*_[]<>!|~^#&{}$")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Change:
    comment_id: str
    org: str
    start: int
    end: int
    old: str
    new: str
    consensus: tuple[str, ...]


@dataclass(frozen=True)
class Refusal:
    comment_id: str
    reason: str
    hint: str


@dataclass
class MergePlan:
    slug: str
    version_from: str
    version_to: str
    changes: list[Change] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    not_textual: list[str] = field(default_factory=list)  # accepted, but nothing to insert
    body: str = ""
    commit: str = ""


def literal(text: str) -> str:
    """Markdown that shows exactly `text` (one line; gender stars stay readable; no invisible
    characters from outside reach the draft)."""
    text = " ".join(visible(text).split())
    out = []
    for i, ch in enumerate(text):
        if (
            ch == "*"
            and 0 < i < len(text) - 1
            and _LETTER.match(text[i - 1])
            and _LETTER.match(text[i + 1])
        ):
            out.append(ch)  # Sozialarbeiter*innen: protected by textmodel before pandoc reads
        elif ch in _ESCAPE:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def next_version(version: str) -> str:
    parts = version.split(".")
    if len(parts) == 1:
        return f"{version}.1"
    parts[-1] = str(int(parts[-1]) + 1)
    return ".".join(parts)


def _words_pattern(text: str) -> str:
    return _WS.join(re.escape(w) for w in text.split())


_MARKUP = r"[*_`\[\]~^]*"  # emphasis, code, link brackets, strike, super/subscript


def _found_with_markup(body: str, old: str) -> bool:
    """Is `old` in the source when inline markup between and around its words is ignored?"""
    words = old.split()
    if not words:
        return False
    pattern = (_MARKUP + _WS + _MARKUP).join(re.escape(w) for w in words)
    return re.search(_MARKUP + pattern + _MARKUP, body) is not None


def _find(body: str, old: str, prefix: str, suffix: str) -> tuple[list[tuple[int, int]], str]:
    """Spans of `old` in `body`; with several, those whose surroundings match the context."""
    if old.strip():
        spans = [(m.start(), m.end()) for m in re.finditer(_words_pattern(old), body)]
    else:  # an insertion: the place between the end of prefix and the start of suffix
        before = prefix.split()[-4:]
        after = suffix.split()[:4]
        if not before and not after:
            return [], "ohne Ort"
        pat = _words_pattern(" ".join(before))
        gap = _WS + "?" if prefix[-1:].isspace() or suffix[:1].isspace() else ""
        spans = []
        for m in re.finditer(f"({pat}){gap}({_words_pattern(' '.join(after))})", body):
            at = m.start(2) if prefix[-1:].isspace() else m.end(1)
            spans.append((at, at))
        return spans, "Einfügung"
    if len(spans) <= 1:
        return spans, ""
    ctx_before = prefix.split()[-3:]
    ctx_after = suffix.split()[:3]
    narrowed = []
    for s, e in spans:
        ok_before = not ctx_before or re.search(
            _words_pattern(" ".join(ctx_before)) + _WS + r"?\Z", body[max(0, s - 300) : s]
        )
        ok_after = not ctx_after or re.match(
            _WS + "?" + _words_pattern(" ".join(ctx_after)), body[e : e + 300]
        )
        if ok_before and ok_after:
            narrowed.append((s, e))
    return narrowed, "mehrdeutig"


def applied_ids(ws: Workspace, draft: Draft) -> set[str]:
    return set(ws.store.trailers(draft.path, "Comment-Id"))


def plan(ws: Workspace, slug: str) -> MergePlan:
    draft = load_draft(ws, slug)
    body = draft.body
    done = applied_ids(ws, draft)
    required = consensus.required_gremien(ws, draft.type)
    confirmed = consensus.confirmations(ws, slug)
    decided: dict[str, disposition.Decision] = {}
    comments: list[tuple[Any, dict[str, Any]]] = []
    for sub, c in iter_comments(ws, slug):
        comments.append((sub, c))
    for folder in {sub.path.parent for sub, _c in comments}:
        decided.update(disposition.current(folder))
    result = MergePlan(slug, draft.version, next_version(draft.version))
    register = load_register(ws)
    candidates: list[Change] = []
    for sub, c in comments:
        d = decided.get(c["id"])
        if d is None or d.decision not in disposition.APPLY or c["id"] in done:
            continue
        anchor = c["anchor"]
        proposal = c.get("proposal")
        if d.decision == "teilweise":
            old = d.replaces or (proposal["old"] if proposal else anchor.get("exact", ""))
            new = d.text
        elif proposal:
            old, new = proposal["old"], proposal["new"]
        else:
            result.not_textual.append(c["id"])
            continue
        if anchor["state"] == "veraltet" and not d.replaces:
            result.refused.append(
                Refusal(
                    c["id"],
                    "die Textstelle war schon in der beratenen Fassung nicht zu finden",
                    "Übernehmen Sie die Änderung von Hand und speichern Sie mit „lafast save“.",
                )
            )
            continue
        if not old.strip() and anchor.get("state") == "randnummer":
            result.refused.append(
                Refusal(
                    c["id"],
                    f"der Vorschlag nennt keine Textstelle (nur Rn. {anchor.get('rn')})",
                    "Die Textstelle nennen, die ersetzt wird: „lafast decide "
                    f'{c["id"]} --partly --replaces "…" --text "{new or "…"}" --reason "…"“ '
                    "– oder von Hand ändern und mit „lafast save“ speichern.",
                )
            )
            continue
        missing = [
            g for g in required if not any(k.gremium == g for k in confirmed.get(c["id"], []))
        ]
        if missing:
            result.refused.append(
                Refusal(
                    c["id"],
                    f"der Konsens von {', '.join(missing)} fehlt",
                    f"Erst festhalten: lafast consensus record {slug} --gremium {missing[0]} …",
                )
            )
            continue
        spans, why = _find(body, old, anchor.get("prefix", ""), anchor.get("suffix", ""))
        if len(spans) != 1:
            changes = value_changes(register, old, new) if not spans else []
            reason = (
                f"die Textstelle enthält einen Wert aus dem Kennzahlenregister ("
                f"{', '.join(ch.entry.label() for ch in changes)}); Werte ändert lafast nur im "
                "Register (kennzahlen.yaml), damit der Verweis erhalten bleibt"
                if changes
                else "die Textstelle ist im Text formatiert (fett, kursiv oder ein Verweis); "
                "lafast übernimmt nur reinen Text, damit die Formatierung nicht verloren geht"
                if not spans and _found_with_markup(body, old)
                else "die Textstelle steht nicht mehr im aktuellen Text"
                if not spans
                else "die Textstelle steht mehrfach im Text und ist nicht eindeutig"
            )
            result.refused.append(
                Refusal(
                    c["id"],
                    f"{reason} (Rn. {anchor.get('rn') or '–'}: „{(old or why)[:60]}“)",
                    "Übernehmen Sie die Änderung von Hand und speichern Sie mit „lafast save“.",
                )
            )
            continue
        start, end = spans[0]
        labels = tuple(
            sorted({k.label for k in confirmed.get(c["id"], []) if k.gremium in required})
        )
        candidates.append(Change(c["id"], sub.org, start, end, old, new, labels))
    # overlapping proposals: refuse every one of them, apply none
    clash: set[str] = set()
    ordered = sorted(candidates, key=lambda ch: (ch.start, ch.end))
    for a, b in pairwise(ordered):
        if b.start < a.end or (a.start == b.start and a.end == b.end):
            clash |= {a.comment_id, b.comment_id}
    for ch in ordered:
        if ch.comment_id in clash:
            others = ", ".join(sorted(clash - {ch.comment_id}))
            result.refused.append(
                Refusal(
                    ch.comment_id,
                    f"überschneidet sich mit {others}",
                    "Entscheiden Sie eine der Anmerkungen neu (z. B. „teilweise“ mit einer "
                    "gemeinsamen Formulierung) und führen Sie merge erneut aus.",
                )
            )
        else:
            result.changes.append(ch)
    for ch in sorted(result.changes, key=lambda c: -c.start):
        body = body[: ch.start] + literal(ch.new) + body[ch.end :]
    result.body = body
    return result


def merge(ws: Workspace, slug: str, *, dry_run: bool = False) -> MergePlan:
    result = plan(ws, slug)
    if dry_run or not result.changes:
        return result
    draft = load_draft(ws, slug)
    if ws.store.is_dirty(draft.folder):
        raise UnsavedChanges(
            f"„{slug}“ hat ungespeicherte Änderungen.",
            hint=f'Erst speichern: lafast save {slug} -m "…", dann merge.',
        )
    original = draft.text()
    draft.body = result.body
    draft.set("version", result.version_to)
    analyse(draft)  # the merged text must still be a valid, safe draft
    write_draft(draft)
    trailers = [f"Comment-Id: {ch.comment_id}" for ch in result.changes]
    trailers += [
        f"Consensus: {label}"
        for label in sorted({lab for ch in result.changes for lab in ch.consensus})
    ]
    message = (
        f"{draft.title}: Version {result.version_to}, {len(result.changes)} "
        f"Vorschlag/Vorschläge übernommen\n\nÜbernommen nach Abwägung"
        + (" und Konsens" if any(ch.consensus for ch in result.changes) else "")
        + ".\n\n"
        + "\n".join(trailers)
    )
    try:
        result.commit = ws.store.commit([draft.path], message)
    except BaseException:
        atomic_write(draft.path, original)
        raise
    return result
