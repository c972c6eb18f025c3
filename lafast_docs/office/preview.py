"""The live preview's state (`lafast vorschau`): the draft's web page rebuilt on every save,
errors kept on the page, the PDF made in the background.

`Preview.build()` reads the draft, checks and numbers it exactly as `render` does
(`analysis.analyse`) but through the chunk caches of `render/incremental.py`, so saving one
paragraph of a 70-page draft re-reads and re-writes one section. Each good build becomes a new
`generation`; a failed build keeps the last good page and shows the German error above it.
Listeners (the server's event streams) wait on `changed`. The PDF is made by one background
thread from the newest good build; a build while it runs is picked up when it ends.

Nothing is written to the workspace: page and PDF live in memory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs.errors import DraftNotFound, LafastError
from lafast_docs.external import limits, resources
from lafast_docs.office.preview_patch import page_patch
from lafast_docs.outputs.document import Page, write_pdf
from lafast_docs.render import html, incremental
from lafast_docs.render.context import document_context, edition_of
from lafast_docs.text.analysis import IMAGE_TYPES, Analysis, analyse
from lafast_docs.text.drafts import draft_path, load_draft
from lafast_docs.workspace import Workspace

PDF_QUIET = 0.5  # seconds without a new save before the PDF starts


@dataclass(frozen=True)
class State:
    """What the browser is told after each build (sent as JSON over the event stream)."""

    generation: int  # the good page's number; grows with every good build
    rn: int | None  # the first Randnummer that changed in the last good build
    error: str | None  # the German error of the last build, None when it was good
    pdf: str  # "fehlt", "wird erstellt", "bereit", "fehler"
    pdf_error: str | None
    time: str  # when the state last changed, HH:MM:SS
    # how the page of generation-1 becomes this one (`preview_patch.page_patch`); None: the
    # browser fetches the whole page
    patch: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "generation": self.generation,
            "rn": self.rn,
            "error": self.error,
            "pdf": self.pdf,
            "pdfError": self.pdf_error,
            "time": self.time,
            "patch": self.patch,
        }


class Preview:
    """One draft's preview: page, state, images and PDF, safe to read from server threads."""

    def __init__(self, ws: Workspace, slug: str, *, pdf: bool = True) -> None:
        if not draft_path(ws, slug).is_file():
            load_draft(ws, slug)  # raises DraftNotFound with the list of drafts
            raise DraftNotFound(f"Es gibt keinen Entwurf „{slug}“.")
        self.ws, self.slug, self.with_pdf = ws, slug, pdf
        self.reader = incremental.ChunkReader()
        self.writer = incremental.ChunkWriter()
        self.changed = threading.Condition()
        self._building = threading.Lock()
        self.page = ""  # the last good page (without the preview script)
        self.images: dict[str, Path] = {}
        self.doc_type = "fachstandard"
        self._texts: list[str] = []
        self._parts: list[str] = []
        self._state = State(0, None, None, "fehlt", None, _now())
        self._pdf: bytes | None = None
        self._pdf_wanted: Page | None = None
        self._pdf_thread: threading.Thread | None = None
        self._env: dict[str, Any] = {}

    @property
    def state(self) -> State:
        with self.changed:
            return self._state

    @property
    def pdf(self) -> bytes | None:
        with self.changed:
            return self._pdf

    def build(self) -> State:
        """Rebuild the page from the files as they are now; errors go into the state."""
        with self._building:  # one build at a time: the chunk caches are not shared
            return self._build()

    def _build(self) -> State:
        try:
            draft = load_draft(self.ws, self.slug)
            self.doc_type = draft.type
            ctx = document_context(self.ws, draft, edition_of(self.ws, draft))
            analysis = analyse(draft, parse=self.reader)
            body = self.writer(analysis.model.ast["blocks"])
            page = self._render(analysis, ctx, body)
        except LafastError as exc:
            return self._update(error=exc.render())
        texts = [b.text for b in analysis.model.blocks]
        rn = _first_change(self._texts, texts)
        parts = self.writer.parts
        patch = page_patch(self.page, self._parts, page, parts)
        with self.changed:
            self.page, self.images, self._texts, self._parts = (
                page,
                dict(analysis.images),
                texts,
                parts,
            )
        state = self._update(generation=self._state.generation + 1, rn=rn, error=None, patch=patch)
        if self.with_pdf:
            self._want_pdf(Page(self.ws, analysis, ctx))
        return state

    def _render(self, analysis: Analysis, ctx: dict[str, Any], body: str) -> str:
        """The web template around the body; one Jinja environment per template folder set,
        which reloads a template when its file changes."""
        from markupsafe import Markup

        doc_type = analysis.draft.type
        if doc_type not in self._env:
            self._env[doc_type] = resources.jinja_env(self.ws, doc_type)
        return resources.render_text(
            self.ws,
            doc_type,
            html.WEB.template,
            env=self._env[doc_type],
            body=Markup(body),
            toc=html.toc_tree(analysis.model.headings),
            css=html.stylesheet(self.ws, doc_type, html.WEB.css),
            **ctx,
        )

    def _update(self, **changes: Any) -> State:
        with self.changed:
            fields = {**self._state.__dict__, **changes, "time": _now()}
            self._state = State(**fields)
            self.changed.notify_all()
            return self._state

    # -- the PDF, one background thread --------------------------------------------------------

    def _want_pdf(self, page: Page) -> None:
        with self.changed:
            self._pdf_wanted = page
            if self._pdf_thread is not None and self._pdf_thread.is_alive():
                return  # the running thread takes the newest page when it is done
            self._pdf_thread = threading.Thread(target=self._pdf_loop, daemon=True)
            self._pdf_thread.start()
        self._update(pdf="wird erstellt", pdf_error=None)

    def _pdf_loop(self) -> None:
        # Linux: the nice value is per thread and inherited by the forked child, so the PDF
        # yields the cores to the page rebuild the writer is waiting for.
        with contextlib.suppress(OSError):
            os.nice(10)
        while True:
            with self.changed:
                page, self._pdf_wanted = self._pdf_wanted, None
            if page is None:
                return
            time.sleep(PDF_QUIET)  # typing and saving again: start with the newest page
            with self.changed:
                if self._pdf_wanted is not None:
                    continue
            # the whole PDF (print page, WeasyPrint, tagging) in a child process: this
            # process keeps its interpreter for the page rebuilds
            make = functools.partial(_pdf_or_error, page)
            data, error = limits.run_limited(make, what="PDF-Vorschau")
            with self.changed:
                newer = self._pdf_wanted is not None
                if data is not None:
                    self._pdf = data
            if not newer:
                self._update(pdf="bereit" if error is None else "fehler", pdf_error=error)

    def wait_change(self, last: State | None, timeout: float, stop: threading.Event) -> State:
        """The state once it is no longer `last` (or `stop` is set, or `timeout` passed)."""
        with self.changed:
            self.changed.wait_for(lambda: self._state is not last or stop.is_set(), timeout)
            return self._state

    def wait_pdf(self, timeout: float) -> State:
        """Block until no PDF is being made (for tests and the benchmark)."""
        with self.changed:
            self.changed.wait_for(lambda: self._state.pdf != "wird erstellt", timeout)
            return self._state

    def image(self, src: str) -> tuple[bytes, str] | None:
        """A checked image of the current page, with its content type; None for any other."""
        with self.changed:
            path = self.images.get(src)
        if path is None:
            return None
        return path.read_bytes(), IMAGE_TYPES[path.suffix.lower()]

    def watched(self) -> list[Path]:
        """What a save can change: the draft's folder, the templates, the top-level YAML files."""
        roots = [draft_path(self.ws, self.slug).parent]
        roots += resources.template_dirs(self.ws, self.doc_type)
        files = [p for p in self.ws.root.glob("*.yaml") if p.is_file()]
        files += [p for p in self.ws.root.glob("*.yml") if p.is_file()]
        for root in roots:
            if root.is_dir():
                files += [p for p in root.rglob("*") if p.is_file()]
        return files


def _pdf_or_error(page: Page) -> tuple[bytes | None, str | None]:
    try:
        return write_pdf(page), None
    except LafastError as exc:
        return None, exc.render()


def _first_change(old: list[str], new: list[str]) -> int | None:
    """The first Randnummer whose text differs (None when nothing did, or on the first build)."""
    if not old or old == new:
        return None
    for i, (a, b) in enumerate(zip(old, new, strict=False)):
        if a != b:
            return i + 1
    return min(len(old), len(new)) + (1 if len(new) > len(old) else 0) or None


def _now() -> str:
    return dt.datetime.now().strftime("%H:%M:%S")
