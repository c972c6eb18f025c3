"""The output pipeline: a product says what it makes, the pipeline makes it.

A product (outputs/document, release/final, outputs/redline, outputs/synopse, outputs/replies)
declares its formats as a map format -> writer (`Product`). A writer gets the product's model
(e.g. the analysed draft with its title-block context) and returns the file's bytes, so a writer
that fails leaves nothing behind. `produce` names the files `<stem>.<format>`, skips outputs the
content cache (`cache.py`) knows to be unchanged, builds the model only when something is to be
written, writes every file through `atomic_write` (and so the crash journal) and returns the
outputs. `parse_formats` is the one reading of `--format`, for every command.

A new output format is one writer and one line in its product's map.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Generic, TypeVar

from lafast_docs.errors import FormatUnknown
from lafast_docs.render import cache, parallel, pdf
from lafast_docs.render.progress import QUIET, Progress
from lafast_docs.storage.files import atomic_write

M = TypeVar("M")


@dataclass(frozen=True)
class Output:
    format: str
    path: Path
    cached: bool


@dataclass(frozen=True)
class Product(Generic[M]):
    """What a product makes: a writer per format, in the order `--format` lists them."""

    writers: Mapping[str, Callable[[M], bytes]]
    # formats made on request only, never through --format (the archival PDF of a final version)
    extra: tuple[str, ...] = ()
    # file-name endings other than ".<format>"
    endings: Mapping[str, str] = field(default_factory=dict)
    # writers of many models at once that share their set-up (`produce_all`), by format
    batch: Mapping[str, Callable[[list[M]], list[bytes]]] = field(default_factory=dict)

    @property
    def formats(self) -> tuple[str, ...]:
        """What `--format` offers, and makes when it is not given."""
        return tuple(f for f in self.writers if f not in self.extra)

    def file_name(self, stem: str, fmt: str) -> str:
        return stem + self.endings.get(fmt, f".{fmt}")


def parse_formats(value: str | None, product: Product[Any]) -> tuple[str, ...]:
    """`--format "PDF, docx,pdf"` -> ("pdf", "docx"); nothing given: all of the product's."""
    if not value:
        return product.formats
    wanted = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    _refuse_unknown(wanted, product.formats, shown=value if not wanted else "")
    return wanted


def _refuse_unknown(formats: Iterable[str], known: tuple[str, ...], *, shown: str = "") -> None:
    unknown = [f for f in formats if f not in known]
    if unknown or shown:
        raise FormatUnknown(
            f"Unbekanntes Format „{', '.join(unknown) or shown}“.",
            hint=f"Möglich sind: {', '.join(known)} (mehrere mit Komma).",
        )


def check_formats(formats: Iterable[str], product: Product[Any]) -> None:
    """For core callers that pass formats themselves: each must be one the product makes."""
    _refuse_unknown(formats, (*product.formats, *product.extra))


@dataclass
class Request(Generic[M]):
    """One product's files for one model (a document's formats): what `produce` gets, and
    `produce_many` a list of."""

    product: Product[M]
    model: Callable[[], M]
    out: Path
    stem: str
    formats: tuple[str, ...]
    key: Callable[[str], str] | None = None
    force: bool = False
    finish: Callable[[str, Path], None] | None = None
    label: str = ""


def produce(
    product: Product[M],
    model: Callable[[], M],
    *,
    out: Path,
    stem: str,
    formats: Iterable[str],
    key: Callable[[str], str] | None = None,
    force: bool = False,
    finish: Callable[[str, Path], None] | None = None,
    progress: Progress = QUIET,
    label: str = "",
) -> list[Output]:
    """Write `formats` of `product` into `out` as `<stem>.<format>`.

    `model` is called at most once, and only when a file is to be written. With `key` (the
    content-cache key of a format), a file the cache knows to be unchanged is kept unless
    `force`. `finish` runs on each file just written, before the cache records it (signing).
    The formats are made on all cores (render/parallel.py) and written here one by one, each
    reported to `progress` as „`label` FORMAT“.
    """
    request = Request(product, model, out, stem, tuple(formats), key, force, finish, label)
    return produce_many([request], progress=progress)[0]


def produce_many(requests: list[Request[Any]], *, progress: Progress = QUIET) -> list[list[Output]]:
    """`produce` for several requests at once (`render --all`: many documents), on all cores.

    Every format of every request is one piece; a request's model is built here, in this
    process, just before its first piece starts (so a second document is read while the first
    one's PDF is made). The files are written here in the order of the requests and their
    formats, whatever finishes first: what is on disk at any moment, and after a failure, is
    what the one-after-the-other run would have left (the pieces before the first failure)."""
    targets: list[dict[str, Path]] = []
    keys: list[dict[str, str]] = []
    pieces: list[tuple[int, str]] = []  # (request, format), in the order of writing
    for r, req in enumerate(requests):
        check_formats(req.formats, req.product)
        req.out.mkdir(parents=True, exist_ok=True)
        targets.append({f: req.out / req.product.file_name(req.stem, f) for f in req.formats})
        keys.append({f: req.key(f) for f in req.formats} if req.key is not None else {})
        for f in req.formats:
            if (
                req.force
                or f not in keys[r]
                or not cache.is_fresh(req.out, targets[r][f], keys[r][f])
            ):
                pieces.append((r, f))
    models: dict[int, Any] = {}
    last = {r: i for i, (r, _f) in enumerate(pieces)}  # each request's last piece

    def prepare(i: int) -> None:  # here, before piece i starts (forked children see it)
        for done_with in [r for r in models if last[r] < i]:  # started: children have a copy
            del models[done_with]  # (many documents: one or two models in memory, not all)
        r, fmt = pieces[i]
        label = f"{requests[r].label}: " if requests[r].label else ""
        if r not in models:
            progress.note(f"{label}Text einlesen")
            models[r] = requests[r].model()
        progress.note(f"{label}{fmt.upper()} wird erzeugt")

    def run(i: int) -> bytes:
        r, fmt = pieces[i]
        return requests[r].product.writers[fmt](models[r])

    done: dict[int, bytes] = {}
    written = 0

    def write_ready() -> None:
        nonlocal written
        while written in done:
            r, fmt = pieces[written]
            req, target = requests[r], targets[r][fmt]
            atomic_write(target, done.pop(written))
            if req.finish is not None:
                req.finish(fmt, target)
            if fmt in keys[r]:
                cache.record(req.out, target, keys[r][fmt])
            written += 1

    # more than one PDF in this run: each keeps to one core (they share the cores already)
    paged = [p for p in pieces if requests[p[0]].product.file_name("", p[1]).endswith(".pdf")]
    try:
        with pdf.alone(len(paged) <= 1):
            for i, data in parallel.completed(
                [partial(run, i) for i in range(len(pieces))], prepare
            ):
                done[i] = data
                r, fmt = pieces[i]  # reported as it is made, written when its turn comes
                progress.step(f"{requests[r].label} {fmt.upper()}".strip())
                write_ready()
    finally:
        write_ready()  # what came back before a failure, as far as the order allows
    todo = set(pieces)
    outputs = []
    for r, req in enumerate(requests):
        for fmt in req.formats:
            if (r, fmt) not in todo:
                progress.step(f"{req.label} {fmt.upper()} (unverändert)".strip())
        outputs.append([Output(f, targets[r][f], (r, f) not in todo) for f in req.formats])
    return outputs


def produce_all(
    product: Product[M],
    items: list[tuple[str, Callable[[], M]]],
    *,
    out: Path,
    formats: Iterable[str],
    progress: Progress = QUIET,
    label: str = "",
    names: list[str] | None = None,
) -> list[list[Output]]:
    """`produce` for many models of one product (a round's reply letters): `items` are
    (stem, model). Formats with a `batch` writer are made in chunks that share one set-up,
    the others one file at a time; all of it on all cores, written here as it comes back.
    `names` (one per item) label the progress; no content cache."""
    formats = tuple(formats)
    check_formats(formats, product)
    out.mkdir(parents=True, exist_ok=True)
    stems = [stem for stem, _model in items]
    made = [model() for _stem, model in items]
    size = max(BATCH_MIN, -(-len(made) // (2 * parallel.workers())))
    jobs: list[Callable[[], list[bytes]]] = []
    places: list[tuple[str, list[int]]] = []  # each job's format and items
    for first in range(0, len(made), size):  # chunk by chunk, so that progress is steady
        chunk = list(range(first, min(first + size, len(made))))
        for fmt in formats:
            if fmt in product.batch:
                jobs.append(partial(product.batch[fmt], [made[i] for i in chunk]))
                places.append((fmt, chunk))
                continue
            for i in chunk:
                jobs.append(partial(_one, product.writers[fmt], made[i]))
                places.append((fmt, [i]))
    progress.start(len(made) * len(formats), label)
    with pdf.alone(len(jobs) <= 1):
        for j, datas in parallel.completed(jobs):
            fmt, chunk = places[j]
            for i, data in zip(chunk, datas, strict=True):
                atomic_write(out / product.file_name(stems[i], fmt), data)
                progress.step(f"{(names or stems)[i]}: {fmt.upper()}")
    return [[Output(f, out / product.file_name(stem, f), False) for f in formats] for stem in stems]


BATCH_MIN = 4  # items per shared set-up at least: below, the set-up costs more than it saves


def _one(writer: Callable[[M], bytes], model: M) -> list[bytes]:
    return [writer(model)]
