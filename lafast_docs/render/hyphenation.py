"""Hyphenation patterns for WeasyPrint, parsed once per machine instead of once per PDF.

WeasyPrint hyphenates (`hyphens: auto` in print.css: table cells, footnotes, the title block)
with pyphen, which parses its pattern file in pure Python on first use: 1.1 s for German
(77,000 patterns), about a tenth of a 70-page PDF, paid again in every forked render child.
`warm(lang)` fills pyphen's own per-process cache (`pyphen.hdcache`) before the child is
forked, from a marshal copy of the parsed patterns in the user's cache folder (0.07 s), made on
first use. The copy holds only a dict of strings to (int, tuple of ints), is keyed by the
pyphen version and the pattern file's size and date, and is checked on loading; anything odd
and pyphen parses its file as before. Nothing here changes where lines break.
"""

from __future__ import annotations

import marshal
import os
import re
import tempfile
from pathlib import Path
from typing import Any

_LANG = re.compile(r"<html[^>]*\blang=\"([A-Za-z_-]{2,20})\"", re.IGNORECASE)


def cache_dir() -> Path:
    """Where the parsed patterns are kept: `$XDG_CACHE_HOME/lafast-docs` (~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lafast-docs"


def lang_of(html: str) -> str | None:
    """The `lang` of an HTML page's root element (the language WeasyPrint hyphenates in)."""
    match = _LANG.search(html[:2000])
    return match.group(1) if match else None


def warm(lang: str | None) -> bool:
    """Load the patterns for `lang` into pyphen's cache of this process, fast if a parsed copy
    exists. True when they are there afterwards; False for a language pyphen does not know."""
    import pyphen

    fallback = pyphen.language_fallback(lang) if lang else None
    if not fallback:
        return False
    path = pyphen.LANGUAGES[fallback]
    if path in pyphen.hdcache:
        return True
    copy = _copy_path(path, getattr(pyphen, "VERSION", "?"))
    hd = _load(copy) if copy is not None else None
    if hd is None:
        hd = pyphen.HyphDict(path)
        if copy is not None:
            _store(copy, hd)
    pyphen.hdcache[path] = hd
    return True


def _copy_path(path: Path, version: str) -> Path | None:
    try:
        st = path.stat()
    except OSError:
        return None
    name = f"silben-{path.stem}-{version}-{st.st_size}-{st.st_mtime_ns}.marshal"
    return cache_dir() / name


def _load(copy: Path) -> Any:
    import pyphen

    try:
        data = marshal.loads(copy.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not _valid(data):
        return None
    hd = pyphen.HyphDict.__new__(pyphen.HyphDict)
    hd.patterns = data["patterns"]
    hd.maxlen = data["maxlen"]
    hd.cache = {}
    return hd


def _valid(data: Any) -> bool:
    if not isinstance(data, dict) or set(data) != {"patterns", "maxlen"}:
        return False
    patterns, maxlen = data["patterns"], data["maxlen"]
    if not isinstance(patterns, dict) or not patterns or type(maxlen) is not int:
        return False
    return all(
        type(key) is str
        and type(value) is tuple
        and len(value) == 2
        and type(value[0]) is int
        and type(value[1]) is tuple
        and all(type(v) is int for v in value[1])
        for key, value in patterns.items()
    )


def _store(copy: Path, hd: Any) -> None:
    """Keep a parsed copy; a cache, so any failure (read-only home, full disk) is ignored."""
    data = {"patterns": hd.patterns, "maxlen": hd.maxlen}
    if not _valid(data):  # e.g. patterns with nonstandard hyphenation (pyphen's DataInt)
        return
    try:
        copy.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".silben.", suffix=".tmp", dir=copy.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(marshal.dumps(data))
            os.replace(tmp, copy)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass
