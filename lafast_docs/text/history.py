"""A draft's history: its commits, and the changes between two versions by Randnummer."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs import __version__
from lafast_docs.errors import LafastError, RevisionNotFound
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


def model_of(
    draft: Draft, *, parse: Callable[[str], dict[str, Any]] | None = None
) -> textmodel.Annotated:
    """The numbered blocks of a draft, without the render checks (old versions may lack files);
    references show the value valid at the draft's Stand. `parse` reads the Markdown instead
    of one pandoc run (render/incremental's chunk cache)."""
    text = textmodel.protect_gender_star(draft.body)
    ast = parse(text) if parse else pandoc.markdown_to_ast(text)
    if references.has_references(draft.body):
        references.resolve(ast, draft.figures)
    return textmodel.annotate(ast)


# -- the blocks of many versions, cached per content hash -----------------------------------
# `blame` follows a paragraph through up to 200 versions; reading each with pandoc costs ~0.1 s.
# The blocks of a version depend only on its body (and the tools reading it), so they are kept
# in `.git/lafast/bloecke/<hash>.json` (never committed); versions not seen before are read on
# both cores.
_BATCH = 40  # versions read before their blocks are stored (a killed blame keeps its work)


def blocks_at(
    ws: Workspace, slug: str, shas: list[str], *, reading: Callable[[int], None] | None = None
) -> list[list[textmodel.Block]]:
    """The numbered blocks of the draft at each commit of `shas` (as `model_of` gives them).

    `reading(n)`: told how many versions are not cached and must be read (only when some
    are), then called with 0 after each one read (for a progress bar)."""
    path = draft_path(ws, slug)
    texts = ws.store.texts_at(shas, path)
    for sha, text in zip(shas, texts, strict=True):
        if text is None:
            raise RevisionNotFound(f"{path.name} gab es in Version {sha[:10]} noch nicht.")
    return _blocks_of_texts(ws, slug, [t or "" for t in texts], reading)


def working_blocks(ws: Workspace, slug: str) -> list[textmodel.Block]:
    """The numbered blocks of the draft as it is on disk (cached like `blocks_at`)."""
    draft = load_draft(ws, slug)  # the usual checks and German errors
    return _blocks_of_texts(ws, slug, [draft.path.read_text("utf-8")])[0]


def _blocks_of_texts(
    ws: Workspace, slug: str, texts: list[str], reading: Callable[[int], None] | None = None
) -> list[list[textmodel.Block]]:
    path = draft_path(ws, slug)
    keys = [_blocks_key(text) for text in texts]  # the file's text decides its blocks
    folder = ws.store.git_dir() / "lafast" / "bloecke"
    found = {k: b for k in set(keys) if (b := _cached_blocks(folder / f"{k}.json")) is not None}
    by_key = dict(zip(keys, texts, strict=True))
    missing = list(dict.fromkeys(k for k in keys if k not in found))
    if missing and reading is not None:
        reading(len(missing))
    for start in range(0, len(missing), _BATCH):
        batch = missing[start : start + _BATCH]
        bodies = [_body(by_key[k], path, slug) for k in batch]
        for key, blocks in zip(batch, _read_many(bodies), strict=True):
            found[key] = blocks
            _store_blocks(folder / f"{key}.json", blocks)
            if reading is not None:
                reading(0)
    return [found[k] for k in keys]


def _body(text: str, path: Path, slug: str) -> str:
    return textmodel.protect_gender_star(parse_draft(text, path=path, slug=slug).body)


def _blocks_key(text: str) -> str:
    tools = f"{__version__}\0{pandoc.get_pandoc().version_text}\0{pandoc.MARKDOWN}\0"
    return hashlib.sha256((tools + text).encode("utf-8", "surrogatepass")).hexdigest()


def _cached_blocks(path: Path) -> list[textmodel.Block] | None:
    try:
        rows = json.loads(path.read_text("utf-8"))
        return [textmodel.Block(*row) for row in rows]
    except (OSError, ValueError, TypeError):
        return None  # absent or damaged: read again


def _store_blocks(path: Path, blocks: list[textmodel.Block]) -> None:
    """A cache file: temp file + rename (outside the journal: losing it costs a re-read)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    rows = [dataclasses.astuple(b) for b in blocks]
    tmp.write_text(json.dumps(rows, ensure_ascii=False), "utf-8")
    os.replace(tmp, path)


def _read_many(bodies: list[str]) -> Iterator[list[textmodel.Block]]:
    """Each body's blocks, in order, as each is read; pandoc runs on both cores (its time
    grows with the text, so reading versions together in one run would save nothing)."""
    from concurrent.futures import ThreadPoolExecutor

    def read(body: str) -> list[textmodel.Block]:
        return textmodel.annotate(pandoc.markdown_to_ast(body)).blocks

    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        yield from pool.map(read, bodies)


def working_body(ws: Workspace, slug: str) -> str | None:
    """The body of the draft on disk, or None when it cannot be read as a draft now."""
    path = draft_path(ws, slug)
    try:
        return parse_draft(path.read_text("utf-8"), path=path, slug=slug).body
    except (OSError, UnicodeError, LafastError):
        return None


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
