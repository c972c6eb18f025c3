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

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from lafast_docs.errors import FormatUnknown
from lafast_docs.render import cache
from lafast_docs.storage.files import atomic_write

M = TypeVar("M")
T = TypeVar("T")
R = TypeVar("R")
# Writes (the journal, the cache manifest) one at a time when products are made in parallel.
_WRITING = threading.RLock()


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
) -> list[Output]:
    """Write `formats` of `product` into `out` as `<stem>.<format>`.

    `model` is called at most once, and only when a file is to be written. With `key` (the
    content-cache key of a format), a file the cache knows to be unchanged is kept unless
    `force`. `finish` runs on each file just written, before the cache records it (signing).
    """
    formats = tuple(formats)
    check_formats(formats, product)
    out.mkdir(parents=True, exist_ok=True)
    targets = {f: out / product.file_name(stem, f) for f in formats}
    keys = {f: key(f) for f in formats} if key is not None else {}
    todo = [
        f for f in formats if force or f not in keys or not cache.is_fresh(out, targets[f], keys[f])
    ]
    if todo:
        made = model()
        for fmt in todo:
            data = product.writers[fmt](made)
            with _WRITING:
                atomic_write(targets[fmt], data)
                if finish is not None:
                    finish(fmt, targets[fmt])
                if fmt in keys:
                    cache.record(out, targets[fmt], keys[fmt])
    return [Output(f, targets[f], f not in todo) for f in formats]


def cores() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def each_in_parallel(fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]:
    """`(item, fn(item))` in the order of `items`, computed on all cores (e.g. several documents
    for `render --all`). Threads suffice: WeasyPrint runs in a forked child and pandoc is a
    process, so the heavy work of two items runs at the same time; writes go one at a time
    (`produce`). The first failure is raised when its turn comes; items not started by then
    are not started."""
    items = list(items)
    workers = min(len(items), cores())
    if workers <= 1:
        yield from ((item, fn(item)) for item in items)
        return
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lafast-render")
    try:
        futures = [pool.submit(fn, item) for item in items]
        for item, future in zip(items, futures, strict=True):
            yield item, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
