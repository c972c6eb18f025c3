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
from lafast_docs.render import cache, parallel
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
        jobs = [partial(product.writers[fmt], made) for fmt in todo]
        for i, data in parallel.completed(jobs):
            fmt = todo[i]
            atomic_write(targets[fmt], data)
            if finish is not None:
                finish(fmt, targets[fmt])
            if fmt in keys:
                cache.record(out, targets[fmt], keys[fmt])
            progress.step(f"{label} {fmt.upper()}".strip())
    for fmt in formats:
        if fmt not in todo:
            progress.step(f"{label} {fmt.upper()} (unverändert)".strip())
    return [Output(f, targets[f], f not in todo) for f in formats]
