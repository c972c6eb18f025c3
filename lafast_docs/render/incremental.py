"""The web page of a draft, rebuilt incrementally: only the sections that changed go through
pandoc again (the live preview, `lafast vorschau`).

A whole 70-page draft costs two pandoc runs of ~0.4 s each (Markdown -> AST, AST -> HTML);
saving one paragraph should not. So the body is cut into chunks at top-level headings
(outside code fences and fenced divs) and
- reading: the chunks not seen before are read in ONE pandoc run, joined by sentinel
  paragraphs; a chunk's AST is cached under its text plus the footnote definitions it uses
  from other chunks (those are appended when a chunk is read without them);
- checking and numbering (`analysis.analyse`: refusals, Randnummern, heading numbers) run on
  the whole AST as always, so the preview refuses exactly what `render` refuses;
- writing: the annotated AST is cut at the same headings; Randnummern and footnote numbers are
  written as chunk-local tokens, so inserting a paragraph does not change later chunks; the
  changed chunks go through pandoc in ONE run, and the page is assembled with the real numbers.
If a sentinel goes missing (a construct spanning a cut), the draft is read whole: correct,
only slower.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import pickle
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from lafast_docs.external import pandoc
from lafast_docs.render import html, markup
from lafast_docs.text.textmodel import Node, protect_gender_star
from lafast_docs.workspace import Workspace

SENTINEL = "LAFASTCHUNKSENTINEL"
_SENTINEL_HTML = "<!--lafast-chunk-->"
_NOTES_HTML = "<!--lafast-notes-->"
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_DIV_FENCE = re.compile(r"^\s{0,3}(:{3,})\s*(\S?)")
_HEADING = re.compile(r"^#{1,6}(\s|$)")
_NOTE_REF = re.compile(r"\[\^([^\]\s]+)\]")
_NOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:")
_LINK_DEF = re.compile(r"^ {0,3}\[(?!\^)[^\]]+\]:\s*\S")
_INDENTED = re.compile(r"^(?: {4}|\t)")
# chunk-local numbers in the HTML: Randnummer k as \ue000k\ue001, footnote k as \ue002k\ue003
_RN_TOKEN = re.compile("\ue000(\\d+)\ue001")
_FN_TOKEN = re.compile("\ue002(\\d+)\ue003")


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()


def split_chunks(text: str) -> list[str]:
    """Cut Markdown before every ATX heading that starts after a blank line at top level."""
    chunks: list[list[str]] = [[]]
    fence: str | None = None
    divs = 0
    blank = True
    for line in text.splitlines(keepends=True):
        m = _FENCE.match(line)
        if fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
        elif m:
            fence = m.group(1)
        elif (d := _DIV_FENCE.match(line)) is not None:
            divs = divs + 1 if d.group(2) else max(divs - 1, 0)
        elif blank and divs == 0 and _HEADING.match(line) and chunks[-1]:
            chunks.append([])
        chunks[-1].append(line)
        blank = not line.strip()
    return ["".join(c) for c in chunks if c]


def note_definitions(text: str) -> dict[str, str]:
    """Footnote definitions `[^x]: …` (with their indented continuation) by label."""
    lines = text.splitlines(keepends=True)
    found: dict[str, str] = {}
    i = 0
    while i < len(lines):
        m = _NOTE_DEF.match(lines[i])
        if not m:
            i += 1
            continue
        j = i + 1
        while j < len(lines):
            if lines[j].strip() and not _INDENTED.match(lines[j]):
                if not lines[j - 1].strip():  # a blank line, then a new block: done
                    break
                if _NOTE_DEF.match(lines[j]):
                    break
            j += 1
        found.setdefault(m.group(1), "".join(lines[i:j]).rstrip("\n") + "\n")
        i = j
    return found


class ChunkReader:
    """`parse(text) -> AST` like `pandoc.markdown_to_ast`, reading only chunks it has not seen."""

    def __init__(
        self,
        store: Path | None = None,
        *,
        shared: dict[str, bytes] | None = None,
        keep_session: bool = False,
    ) -> None:
        self.cache: dict[str, bytes] = {}  # key -> the chunk's blocks, pickled (copied by loading)
        self.last_read = 0  # chunks read by pandoc in the last call (for tests and the bench)
        # `store`: a JSON file keeping the chunks between runs (`render` after an edit reads
        # only what changed); a missing or damaged file is an empty cache
        self.store = store
        if store is not None:
            self.cache = _load_store(store)
        # `shared`: chunks another reader keeps, looked up but neither kept nor stored here
        self.shared = shared if shared is not None else {}
        # what is kept: the chunks of the last text read (the preview: one draft as it
        # changes), or with `keep_session` of every text read by this reader (several versions)
        self.keep_session = keep_session
        self.used: set[str] = set()

    def __call__(self, text: str) -> dict[str, Any]:
        chunks = split_chunks(text)
        defs = note_definitions(text)
        link_defs = "".join(line for line in text.splitlines(True) if _LINK_DEF.match(line))
        keys, needs = [], []
        for chunk in chunks:
            own = note_definitions(chunk)
            used = dict.fromkeys(m.group(1) for m in _NOTE_REF.finditer(chunk))
            outside = [defs[label] for label in used if label in defs and label not in own]
            needs.append(outside)
            keys.append(_digest(chunk, *outside, link_defs))
        todo = [i for i, k in enumerate(keys) if k not in self.cache and k not in self.shared]
        self.last_read = len(todo)
        if todo:
            read = self._read([chunks[i] for i in todo], [needs[i] for i in todo], link_defs)
            if read is None:  # a cut went wrong: read the draft whole
                self.cache.clear()
                self.last_read = len(chunks)
                return pandoc.markdown_to_ast(text)
            for i, chunk_blocks in zip(todo, read, strict=True):
                self.cache[keys[i]] = pickle.dumps(chunk_blocks, protocol=pickle.HIGHEST_PROTOCOL)
        mine = {k for k in keys if k in self.cache}  # the others are in `shared`
        self.used = (self.used if self.keep_session else set()) | mine
        stale = set(self.cache) != self.used
        found = [self.cache.get(k) or self.shared[k] for k in keys]
        self.cache = {k: v for k, v in self.cache.items() if k in self.used}
        if self.store is not None and (todo or stale):
            _save_store(self.store, self.cache)
        blocks = [b for data in found for b in pickle.loads(data)]
        return {"pandoc-api-version": pandoc.api_version(), "meta": {}, "blocks": blocks}

    @staticmethod
    def _read(chunks: list[str], needs: list[list[str]], link_defs: str) -> list[list[Node]] | None:
        joined = "".join(f"{c.rstrip()}\n\n{SENTINEL}{n}\n\n" for n, c in enumerate(chunks))
        appendix = dict.fromkeys(d for need in needs for d in need)
        text = joined + "\n\n".join(appendix) + "\n\n" + link_defs
        blocks = pandoc.markdown_to_ast(text)["blocks"]
        out: list[list[Node]] = [[]]
        for b in blocks:
            if (
                b["t"] == "Para"
                and len(b["c"]) == 1
                and b["c"][0].get("c") == SENTINEL + str(len(out) - 1)
            ):
                out.append([])
            else:
                out[-1].append(b)
        if len(out) != len(chunks) + 1 or out[-1]:
            return None
        return out[:-1]


def _load_store(path: Path) -> dict[str, bytes]:
    try:
        data = json.loads(path.read_text("utf-8"))
        return {
            k: pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL)
            for k, v in data.items()
            if isinstance(k, str) and isinstance(v, list)
        }
    except (OSError, ValueError, AttributeError):
        return {}


def _save_store(path: Path, cache: dict[str, bytes]) -> None:
    """temp file + rename; a cache outside the journal (losing it costs one full read)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    data = {k: pickle.loads(v) for k, v in cache.items()}
    tmp.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    os.replace(tmp, path)


def reader_for(ws: Workspace, slug: str) -> ChunkReader:
    """A chunk reader that keeps the draft's chunks in `.git/lafast/ast/<slug>.json`."""
    return ChunkReader(ws.store.git_dir() / "lafast" / "ast" / f"{slug}.json")


class VersionsReader:
    """Reads versions of one draft (the redline's and the Synopse's two) through chunks.

    The working copy's text goes through `reader_for` (what `render` keeps); any other
    version through a second store, `.git/lafast/ast/<slug>.versionen.json`, which also looks
    chunks up in the first: an older version shares most sections with the current one, and
    running the same Synopse again reads nothing. So `render` after a redline finds its
    chunks as it left them."""

    def __init__(self, ws: Workspace, slug: str, working_body: str | None) -> None:
        self.working = reader_for(ws, slug)
        self.working_text = None if working_body is None else protect_gender_star(working_body)
        folder = ws.store.git_dir() / "lafast" / "ast"
        self.others = ChunkReader(folder / f"{slug}.versionen.json", keep_session=True)

    def __call__(self, text: str) -> dict[str, Any]:
        if text == self.working_text:
            return self.working(text)
        self.others.shared = self.working.cache
        return self.others(text)


def _sections(blocks: list[Node]) -> Iterator[list[Node]]:
    """The annotated top-level blocks, cut before every heading."""
    part: list[Node] = []
    for b in blocks:
        if b["t"] == "Header" and part:
            yield part
            part = []
        part.append(b)
    if part:
        yield part


def _walk_blocks(blocks: list[Node], visit: Callable[[Node], None]) -> None:
    """Every element of `blocks` in document order, a parent before its children."""
    stack: list[Any] = [blocks]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            if "t" in item:
                visit(item)
            if "c" in item:
                stack.append(item["c"])


class _LocalNumbers:
    """Rewrites one section for writing: chunk-local Randnummern and footnotes, image URLs."""

    def __init__(self, image_url: Callable[[str], str]) -> None:
        self.image_url = image_url
        self.rn_count = 0
        self.notes: list[list[Node]] = []

    def rewrite(self, section: list[Node]) -> list[Node]:
        rns: list[int] = []

        def first(el: Node) -> None:
            if el["t"] == "Div" and "rn-block" in el["c"][0][1]:
                rns.append(int(dict(el["c"][0][2])["rn"]))

        _walk_blocks(section, first)
        base = min(rns) - 1 if rns else 0
        self.rn_count = len(rns)

        def localise(el: Node) -> None:
            if el["t"] == "Div" and "rn-block" in el["c"][0][1]:
                token = f"\ue000{int(dict(el['c'][0][2])['rn']) - base}\ue001"
                el["c"][0][0], el["c"][0][2] = f"rn-{token}", [["rn", token]]
            elif el["t"] == "Image":
                el["c"][2][0] = self.image_url(el["c"][2][0])

        _walk_blocks(section, localise)
        self._replace_notes(section)
        markup.size_columns(section)  # column widths as in the full page (html.page)
        markup.add_markers(section, markup.web_marker)
        if self.notes:
            section.append({"t": "RawBlock", "c": ["html", _NOTES_HTML]})
            for k, note in enumerate(self.notes, start=1):
                section.extend(_note_item(k, note))
        return section

    def _replace_notes(self, node: Any) -> None:
        """Every footnote, in document order, becomes a reference with a chunk-local number."""
        if isinstance(node, list):
            for i, item in enumerate(node):
                if isinstance(item, dict) and item.get("t") == "Note":
                    node[i] = self._note_ref(item)
                else:
                    self._replace_notes(item)
        elif isinstance(node, dict) and "c" in node:
            self._replace_notes(node["c"])

    def _note_ref(self, note: Node) -> Node:
        self.notes.append(note["c"])
        t = f"\ue002{len(self.notes)}\ue003"
        ref = (
            f'<a href="#fn{t}" class="footnote-ref" id="fnref{t}" role="doc-noteref">'
            f"<sup>{t}</sup></a>"
        )
        return {"t": "RawInline", "c": ["html", ref]}


def _note_item(k: int, blocks: list[Node]) -> list[Node]:
    """A footnote as pandoc's endnote list item, back link in its last paragraph."""
    t = f"\ue002{k}\ue003"
    back = {
        "t": "RawInline",
        "c": ["html", f'<a href="#fnref{t}" class="footnote-back" role="doc-backlink">↩︎</a>'],
    }
    blocks = list(blocks)
    if blocks and blocks[-1]["t"] in ("Para", "Plain"):
        blocks[-1] = {"t": blocks[-1]["t"], "c": [*blocks[-1]["c"], back]}
    else:
        blocks.append({"t": "Plain", "c": [back]})
    return [
        {"t": "RawBlock", "c": ["html", f'<li id="fn{t}">']},
        *blocks,
        {"t": "RawBlock", "c": ["html", "</li>"]},
    ]


def image_path_url(src: str) -> str:
    """Where the preview server offers a checked image of the draft."""
    return "/bild/" + quote(src, safe="")


class ChunkWriter:
    """The body HTML of an annotated AST, writing only sections it has not written before."""

    def __init__(self, image_url: Callable[[str], str] = image_path_url) -> None:
        self.image_url = image_url
        self.cache: dict[str, tuple[str, int, int]] = {}  # key -> html, Randnummern, notes
        self.last_written = 0
        # the body of the last call as its parts, in order: one per section (a heading and
        # what follows it), the endnotes last; the body is "\n".join(parts)
        self.parts: list[str] = []

    def __call__(self, blocks: list[Node]) -> str:
        keys: list[str] = []
        todo: dict[str, list[Node]] = {}
        for section in _sections(blocks):
            key = _section_key(section)
            keys.append(key)
            if key not in self.cache and key not in todo:
                local = _LocalNumbers(self.image_url)
                todo[key] = local.rewrite(markup.fast_copy(section))
                self.cache[key] = ("", local.rn_count, len(local.notes))
        self.last_written = len(todo)
        if todo:
            self._write(todo)
        self.cache = {k: self.cache[k] for k in keys}
        return self._assemble(keys)

    def _write(self, todo: dict[str, list[Node]]) -> None:
        sep = {"t": "RawBlock", "c": ["html", _SENTINEL_HTML]}
        blocks = [b for section in todo.values() for b in (*section, sep)]
        ast = {"pandoc-api-version": pandoc.api_version(), "meta": {}, "blocks": blocks}
        parts = html.body_html(ast).split(_SENTINEL_HTML)
        for key, part in zip(todo, parts, strict=False):
            _old, rns, notes = self.cache[key]
            self.cache[key] = (part.strip("\n"), rns, notes)

    def _assemble(self, keys: list[str]) -> str:
        self.parts = body = []
        notes: list[str] = []
        rn_base = fn_base = 0
        for key in keys:
            part, rns, n_notes = self.cache[key]
            text, _, items = part.partition(_NOTES_HTML)
            body.append(_numbered(text, rn_base, fn_base))
            if items.strip():
                notes.append(_numbered(items.strip("\n"), rn_base, fn_base))
            rn_base += rns
            fn_base += n_notes
        if notes:
            body.append(
                '<section id="footnotes" class="footnotes footnotes-end-of-document" '
                'role="doc-endnotes">\n<hr />\n<ol>\n' + "\n".join(notes) + "\n</ol>\n</section>"
            )
        return "\n".join(body)


def _section_key(section: list[Node]) -> str:
    """The section as written, without its absolute Randnummern (so a renumbering of the whole
    text after an inserted paragraph keeps later sections cached).

    The Randnummern are made section-local for a moment and the section is serialised with
    marshal version 2 (no back references, so equal sections give equal bytes; ~4x faster than
    JSON). A Randnummer missed here would only cost a cache miss, never a wrong page."""
    divs: list[Node] = []
    _rn_divs(section, divs)
    attrs = [d["c"][0] for d in divs]
    base = int(dict(attrs[0][2])["rn"]) - 1 if divs else 0
    try:
        for div, (_id, classes, kv) in zip(divs, attrs, strict=True):
            rest = [pair for pair in kv if pair[0] != "rn"]
            div["c"][0] = ["rn-", classes, rest, int(dict(kv)["rn"]) - base]
        data = marshal.dumps(section, 2)
    finally:
        for div, attr in zip(divs, attrs, strict=True):
            div["c"][0] = attr
    return hashlib.sha256(data).hexdigest()


def _rn_divs(blocks: list[Node], found: list[Node]) -> None:
    """The Randnummer blocks among `blocks`, where `textmodel.annotate` puts them: at the top,
    in fenced divs, list items, definitions and block quotes."""
    for b in blocks:
        t = b["t"]
        if t == "Div":
            if "rn-block" in b["c"][0][1] and any(k == "rn" for k, _v in b["c"][0][2]):
                found.append(b)
            _rn_divs(b["c"][1], found)
        elif t == "BulletList":
            for item in b["c"]:
                _rn_divs(item, found)
        elif t == "OrderedList":
            for item in b["c"][1]:
                _rn_divs(item, found)
        elif t == "DefinitionList":
            for _term, defs in b["c"]:
                for d in defs:
                    _rn_divs(d, found)
        elif t == "BlockQuote":
            _rn_divs(b["c"], found)


def _numbered(text: str, rn_base: int, fn_base: int) -> str:
    """Chunk-local tokens replaced by the real Randnummern and footnote numbers."""
    text = _RN_TOKEN.sub(lambda m: str(rn_base + int(m.group(1))), text)
    return _FN_TOKEN.sub(lambda m: str(fn_base + int(m.group(1))), text)
