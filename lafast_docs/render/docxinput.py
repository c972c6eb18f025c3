"""A document's DOCX input kept per content key: an unchanged text is not analysed again.

`render --format docx --force` (and every render whose DOCX must be made again while the text
is the same, e.g. after its output was deleted) still runs pandoc and the whole finishing in
`docxpost`; what it skips is reading the draft and building pandoc's JSON (`docx.pandoc_input`),
about a third of the work. The JSON and what the finishing needs of the analysis are kept in
`.git/lafast/docx/<slug>.bin`: one line of JSON (the key and the small fields), then pandoc's
input as it was given to pandoc. The key is the render cache's key of the DOCX (every file of
the draft's folder, templates, register, context, tool versions) with the draft's folder, so a
kept input is never used for another text; a file that does not read back whole is ignored.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lafast_docs.render import cache
from lafast_docs.render.docx import PandocInput
from lafast_docs.storage.files import keep_file
from lafast_docs.workspace import Workspace

FORMAT = 1  # of the file; another number: the file is ignored (made again)


def kept_input(ws: Workspace, slug: str, key: str, make: Callable[[], PandocInput]) -> PandocInput:
    """The input kept for `slug` under `key`, else `make()` (then kept for the next time).
    Without a key, or outside a repository (a final version's temporary copy): `make()`."""
    path = _path(ws, slug) if key else None
    if path is not None:
        found = _read(path, key)
        if found is not None:
            return found
    inp = make()
    if path is not None:
        _write(path, key, inp)
    return inp


def _path(ws: Workspace, slug: str) -> Path | None:
    private = cache.private_dir(ws)
    return None if private is None else private / "docx" / f"{slug}.bin"


def _read(path: Path, key: str) -> PandocInput | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head, sep, body = data.partition(b"\n")
    try:
        meta: dict[str, Any] = json.loads(head) if sep else {}
    except ValueError:
        return None
    if meta.get("format") != FORMAT or meta.get("key") != key or meta.get("size") != len(body):
        return None
    try:
        return PandocInput(
            json=body,
            slug=str(meta["slug"]),
            doc_type=str(meta["doc_type"]),
            svg_files=tuple((str(h), str(p)) for h, p in meta["svg_files"]),
            link_styles=tuple(str(s) for s in meta["link_styles"]),
            office=bool(meta["office"]),
            toc=bool(meta["toc"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _write(path: Path, key: str, inp: PandocInput) -> None:
    meta = {
        "format": FORMAT,
        "key": key,
        "size": len(inp.json),
        "slug": inp.slug,
        "doc_type": inp.doc_type,
        "svg_files": inp.svg_files,
        "link_styles": inp.link_styles,
        "office": inp.office,
        "toc": inp.toc,
    }
    head = json.dumps(meta, ensure_ascii=True).encode("ascii")  # one line: no raw newline
    keep_file(path, head + b"\n" + inp.json)  # if it cannot be kept: made again next time
