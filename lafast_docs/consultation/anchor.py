"""Anchoring a comment to the consulted version (W3C TextQuoteSelector style).

The quote decides: first exactly (the Randnummer hint breaks ties, then prefix/suffix), then
fuzzy (similarity >= FUZZY_MIN). The Randnummer and section given by the commenter are hints.
A quote that cannot be found, or is found in several places that nothing tells apart, is
`veraltet` (stale): kept, flagged, never attached to a guessed place. Without a quote, a
valid Randnummer anchors to the whole block; without either, the comment is on the document.
"""

from __future__ import annotations

import bisect
import difflib
from typing import Any, NamedTuple

from lafast_docs.consultation.model import RawComment
from lafast_docs.text.history import align
from lafast_docs.text.textmodel import Block

CONTEXT = 32
FUZZY_MIN = 0.85
MAX_FUZZY = 1500  # longer quotes are matched exactly or not at all
MAX_CANDIDATES = 12


def anchor(
    raw: RawComment, blocks: list[Block], commit: str, *, joined: Joined | None = None
) -> dict[str, Any]:
    """The anchor of `raw` in `blocks` (the version `commit`); `joined`: the same blocks
    joined (`join_blocks`), for a caller that anchors many comments in one version."""
    if joined is not None and joined.blocks is not blocks:
        joined = None
    base: dict[str, Any] = {"commit": commit}
    hint = blocks[raw.rn - 1] if raw.rn and 0 < raw.rn <= len(blocks) else None
    quote = " ".join(raw.quote.split())
    if quote:
        found = _exact(quote, raw, blocks, hint, joined)
        state = "exakt"
        if found is None:
            found = _fuzzy(quote, blocks, hint)
            state = "unscharf"
        if found is None:
            return {
                **base,
                "rn": raw.rn if hint else None,
                "section": raw.section,
                "exact": quote,
                "prefix": raw.prefix,
                "suffix": raw.suffix,
                "state": "veraltet",
            }
        block, start, end, score = found
        return {
            **base,
            "rn": block.rn,
            "section": block.section_number,
            "exact": block.text[start:end],
            "prefix": block.text[max(0, start - CONTEXT) : start],
            "suffix": block.text[end : end + CONTEXT],
            "state": state,
            "score": round(score, 3),
        }
    if raw.prefix.strip() or raw.suffix.strip():  # an insertion: the place between two texts
        place = _between(raw.prefix, raw.suffix, blocks, hint)
        if place is None:
            return {
                **base,
                "rn": raw.rn if hint else None,
                "section": raw.section,
                "exact": "",
                "prefix": raw.prefix,
                "suffix": raw.suffix,
                "state": "veraltet",
            }
        block, pos = place
        return {
            **base,
            "rn": block.rn,
            "section": block.section_number,
            "exact": "",
            "prefix": block.text[max(0, pos - CONTEXT) : pos],
            "suffix": block.text[pos : pos + CONTEXT],
            "state": "exakt",
            "score": 1.0,
        }
    if hint is not None:
        return {**base, "rn": hint.rn, "section": hint.section_number, "state": "randnummer"}
    if raw.rn:  # a Randnummer that the consulted version does not have
        return {
            **base,
            "rn": None,
            "section": raw.section,
            "exact": "",
            "prefix": f"Rn. {raw.rn}",
            "suffix": "",
            "state": "veraltet",
        }
    return {**base, "rn": None, "section": raw.section, "state": "ohne"}


def carry(stored: dict[str, Any], source: list[Block], target: list[Block]) -> int | None:
    """The Randnummer in `target` of a comment anchored in the version of `source`, or None
    when the place cannot be re-found there (stale). The quote decides (exact, then fuzzy),
    with the aligned paragraph as the hint; a comment on a whole paragraph follows its
    paragraph; one that was stale already stays stale."""
    rn = stored.get("rn")
    if stored.get("state") == "veraltet" or not rn or not 0 < rn <= len(source):
        return None
    moved = {o.rn: n for kind, o, n in align(source, target) if o is not None and n is not None}
    hint = moved.get(rn)
    if stored.get("state") == "randnummer" or not (
        stored.get("exact") or stored.get("prefix") or stored.get("suffix")
    ):
        return hint.rn if hint is not None else None
    raw = RawComment(
        quote=str(stored.get("exact") or ""),
        prefix=str(stored.get("prefix") or ""),
        suffix=str(stored.get("suffix") or ""),
        rn=hint.rn if hint is not None else None,
    )
    found = anchor(raw, target, "")
    return None if found["state"] == "veraltet" else found["rn"]


def _between(
    prefix: str,
    suffix: str,
    blocks: list[Block],
    hint: Block | None,
) -> tuple[Block, int] | None:
    """The one place where `prefix` ends and `suffix` begins (up to 20 characters of each)."""
    before, after = " ".join(prefix.split())[-20:], " ".join(suffix.split())[:20]
    if prefix[-1:].isspace() and before:
        before += " "
    if suffix[:1].isspace() and after:
        after = " " + after
    needle = before + after
    hits = []
    for b in blocks:
        i = b.text.find(needle)
        while i >= 0:
            hits.append((b, i + len(before)))
            i = b.text.find(needle, i + 1)
    if len(hits) > 1 and hint is not None:
        hits = [h for h in hits if h[0] is hint]
    return hits[0] if len(hits) == 1 else None


class _Found(NamedTuple):
    """Where a quote was found: `block.text[start:end]`, with its similarity (1.0: exact)."""

    block: Block
    start: int
    end: int
    score: float


class Joined(NamedTuple):
    """Every block's text in one string (separated by a character no quote holds), so that a
    quote is searched by one `find` over the document instead of one per block: the bulk of
    anchoring thousands of comments against a long draft. Made once per document version
    (`join_blocks`) by a caller that anchors many comments."""

    blocks: list[Block]
    text: str
    starts: list[int]  # where each block's text begins in `text`


_SEP = "\x00"


def join_blocks(blocks: list[Block]) -> Joined:
    starts, pos = [], 0
    for b in blocks:
        starts.append(pos)
        pos += len(b.text) + 1
    return Joined(blocks, _SEP.join(b.text for b in blocks), starts)


def _exact(
    quote: str, raw: RawComment, blocks: list[Block], hint: Block | None, joined: Joined | None
) -> _Found | None:
    hits: list[tuple[Block, int, int]] = []
    if joined is None or _SEP in quote:  # block by block
        for b in blocks:
            start = b.text.find(quote)
            while start >= 0:
                hits.append((b, start, start + len(quote)))
                start = b.text.find(quote, start + 1)
    else:  # a match cannot span two blocks: it would have to hold the separator
        at = joined.text.find(quote)
        while at >= 0:
            i = bisect.bisect_right(joined.starts, at) - 1
            start = at - joined.starts[i]
            hits.append((blocks[i], start, start + len(quote)))
            at = joined.text.find(quote, at + 1)
    if not hits:
        return None
    if len(hits) == 1:
        b, s, e = hits[0]
        return _Found(b, s, e, 1.0)
    scored = sorted(
        (
            (_context_score(b.text, s, e, raw) + (0.5 if b is hint else 0.0), b, s, e)
            for b, s, e in hits
        ),
        key=lambda t: -t[0],
    )
    if scored[0][0] == scored[1][0]:
        return None  # several equal places: do not guess
    _score, b, s, e = scored[0]
    return _Found(b, s, e, 1.0)


def _context_score(text: str, start: int, end: int, raw: RawComment) -> float:
    before, after = text[:start], text[end:]
    score = 0.0
    if raw.prefix:
        score += _common_suffix(before, raw.prefix) / max(len(raw.prefix), 1)
    if raw.suffix:
        score += _common_prefix(after, raw.suffix) / max(len(raw.suffix), 1)
    return score


def _common_suffix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _common_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _fuzzy(quote: str, blocks: list[Block], hint: Block | None) -> _Found | None:
    """Best window of the quote's length in any block (the hinted block first).

    Candidate windows start where a shared run of text would put the quote's start; each is
    scored with difflib's ratio. Bounded work: long quotes and many candidates are cut off.
    """
    if len(quote) > MAX_FUZZY:
        return None
    best: _Found | None = None
    ordered = ([hint] if hint else []) + [b for b in blocks if b is not hint]
    n = len(quote)
    for b in ordered:
        text = b.text
        if len(text) < n * FUZZY_MIN:
            continue
        sm = difflib.SequenceMatcher(None, quote, text, autojunk=False)
        runs = sorted((m for m in sm.get_matching_blocks() if m.size >= 4), key=lambda m: -m.size)[
            :MAX_CANDIDATES
        ]
        for start in sorted({max(0, j - a) for a, j, _size in runs}):
            end = min(len(text), start + n)
            cand = difflib.SequenceMatcher(None, quote, text[start:end], autojunk=False)
            if cand.quick_ratio() < FUZZY_MIN:
                continue
            ratio = cand.ratio()
            if ratio >= FUZZY_MIN and (best is None or ratio > best.score):
                best = _Found(b, start, end, ratio)
        if best is not None and best.block is hint:
            break
    return best
