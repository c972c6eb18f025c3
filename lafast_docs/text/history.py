"""A draft's history: its commits, and the changes between two versions by Randnummer."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass

from lafast_docs.external import pandoc
from lafast_docs.storage.git import CommitInfo
from lafast_docs.text import references, textmodel
from lafast_docs.text.drafts import Draft, draft_path, explicit_stand, load_draft, parse_draft
from lafast_docs.text.references import Figures
from lafast_docs.text.register import load_register
from lafast_docs.workspace import Workspace

WORKING = "arbeitskopie"  # the files as they are on disk now


def log(ws: Workspace, slug: str) -> list[CommitInfo]:
    draft = load_draft(ws, slug)
    return ws.store.log(draft.folder)


def model_of(draft: Draft) -> textmodel.Annotated:
    """The numbered blocks of a draft, without the render checks (old versions may lack files);
    references show the value valid at the draft's Stand."""
    ast = pandoc.markdown_to_ast(textmodel.protect_gender_star(draft.body))
    if references.has_references(draft.body):
        references.resolve(ast, draft.figures)
    return textmodel.annotate(ast)


def draft_at(ws: Workspace, slug: str, rev: str) -> Draft:
    if rev == WORKING:
        return load_draft(ws, slug)
    path = draft_path(ws, slug)
    draft = parse_draft(ws.store.read_at(rev, path), path=path, slug=slug)
    draft.figures = Figures(
        lambda: load_register(ws),
        lambda: explicit_stand(draft) or dt.date.fromisoformat(ws.store.commit_date(rev)[:10]),
    )
    return draft


@dataclass(frozen=True)
class BlockChange:
    kind: str  # "geaendert", "neu", "entfallen"
    old: textmodel.Block | None
    new: textmodel.Block | None
    words: list[tuple[str, str]]  # (op, text) with op in "=", "-", "+"


def diff(
    ws: Workspace,
    slug: str,
    rev_a: str | None = None,
    rev_b: str | None = None,
) -> tuple[str, str, list[BlockChange]]:
    """Changes from `rev_a` (default: last saved) to `rev_b` (default: working copy)."""
    a = rev_a or "HEAD"
    b = rev_b or WORKING
    old = model_of(draft_at(ws, slug, a)).blocks
    new = model_of(draft_at(ws, slug, b)).blocks
    return a, b, compare_blocks(old, new)


Aligned = tuple[str, "textmodel.Block | None", "textmodel.Block | None"]


def align(old: list[textmodel.Block], new: list[textmodel.Block]) -> list[Aligned]:
    """Pair the blocks of two versions in order: ("gleich" | "geaendert", old, new),
    ("entfallen", old, None), ("neu", None, new). Within a replaced run, blocks are paired in
    order; what is left over was removed or added."""
    matcher = difflib.SequenceMatcher(
        a=[x.text for x in old], b=[x.text for x in new], autojunk=False
    )
    result: list[Aligned] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        olds, news = old[i1:i2], new[j1:j2]
        if op == "equal":
            result.extend(("gleich", o, n) for o, n in zip(olds, news, strict=True))
            continue
        paired = min(len(olds), len(news)) if op == "replace" else 0
        result.extend(("geaendert", olds[k], news[k]) for k in range(paired))
        result.extend(("entfallen", o, None) for o in olds[paired:])
        result.extend(("neu", None, n) for n in news[paired:])
    return result


def compare_blocks(old: list[textmodel.Block], new: list[textmodel.Block]) -> list[BlockChange]:
    changes: list[BlockChange] = []
    for kind, o, n in align(old, new):
        if kind == "geaendert":
            assert o is not None and n is not None
            changes.append(BlockChange(kind, o, n, word_diff(o.text, n.text)))
        elif kind == "entfallen":
            assert o is not None
            changes.append(BlockChange(kind, o, None, [("-", o.text)]))
        elif kind == "neu":
            assert n is not None
            changes.append(BlockChange(kind, None, n, [("+", n.text)]))
    return changes


_TOKEN = re.compile(r"\S+\s*|\s+")  # a word with the space after it


def word_diff(a: str, b: str) -> list[tuple[str, str]]:
    """Word-level diff as a list of (op, text); whitespace stays with the words."""
    ta, tb = _TOKEN.findall(a), _TOKEN.findall(b)
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=ta, b=tb, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("=", "".join(ta[i1:i2])))
            continue
        old, new = "".join(ta[i1:i2]), "".join(tb[j1:j2])
        # the space after the last changed word belongs to the unchanged text
        tail = _common_space_tail(old, new) if old and new else ""
        if old:
            out.append(("-", old[: len(old) - len(tail)]))
        if new:
            out.append(("+", new[: len(new) - len(tail)]))
        if tail:
            out.append(("=", tail))
    return out


def _common_space_tail(a: str, b: str) -> str:
    ta, tb = a[len(a.rstrip()) :], b[len(b.rstrip()) :]
    return ta if ta == tb else ""
