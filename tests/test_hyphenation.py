"""Hyphenation patterns parsed once per machine (render/hyphenation.py): the same patterns and
the same line breaks as pyphen's own parse; a broken or foreign copy is never trusted."""

from __future__ import annotations

import io
import marshal
from pathlib import Path

import pyphen
import pytest

from lafast_docs.render import hyphenation, pdf

DE = pyphen.LANGUAGES[pyphen.language_fallback("de")]

NARROW_TABLE = """<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>T</title>
<style>td { hyphens: auto; width: 2.2cm; border: 1px solid; }</style></head><body>
<table><tr><td>Flüchtlingssozialarbeit Unterbringungsverwaltung</td>
<td>Landesaufnahmegesetz Betreuungsschlüssel Qualifikationsanforderungen</td></tr></table>
</body></html>"""


@pytest.fixture
def cold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """No parsed German patterns in this process; the cache folder in tmp_path."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    kept = pyphen.hdcache.pop(DE, None)
    yield tmp_path / "cache" / "lafast-docs"
    if kept is not None:
        pyphen.hdcache[DE] = kept


def copies(folder: Path) -> list[Path]:
    return sorted(folder.glob("silben-*.marshal")) if folder.is_dir() else []


def test_parsed_copy_gives_pyphens_own_patterns(cold, monkeypatch) -> None:
    assert hyphenation.warm("de") is True
    (copy,) = copies(cold)
    reference = pyphen.hdcache.pop(DE)

    def no_parsing(self, path):  # the second warm must not parse the pattern file
        raise AssertionError("pattern file parsed again")

    with monkeypatch.context() as patch:
        patch.setattr(pyphen.HyphDict, "__init__", no_parsing)
        assert hyphenation.warm("de") is True
    loaded = pyphen.hdcache[DE]
    assert loaded.patterns == reference.patterns and loaded.maxlen == reference.maxlen
    word = "flüchtlingssozialarbeit"
    assert loaded.positions(word) == reference.positions(word) != []
    assert copies(cold) == [copy]


@pytest.mark.parametrize(
    "content",
    [
        b"not marshal at all",
        marshal.dumps({"patterns": {"ab": "print('x')"}, "maxlen": 2}),
        marshal.dumps({"patterns": {"ab": (0, (1, "2"))}, "maxlen": 2}),
        marshal.dumps({"patterns": {}, "maxlen": 2}),
        marshal.dumps(["patterns"]),
    ],
)
def test_broken_or_foreign_copy_is_parsed_again_and_replaced(cold, content) -> None:
    hyphenation.warm("de")
    (copy,) = copies(cold)
    good = copy.read_bytes()
    reference = pyphen.hdcache.pop(DE)
    copy.write_bytes(content)
    assert hyphenation.warm("de") is True
    assert pyphen.hdcache[DE].patterns == reference.patterns
    assert copy.read_bytes() == good


def test_unwritable_cache_folder_still_hyphenates(tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("kein Ordner")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    kept = pyphen.hdcache.pop(DE, None)
    try:
        assert hyphenation.warm("de") is True
        assert DE in pyphen.hdcache
    finally:
        if kept is not None:
            pyphen.hdcache[DE] = kept
    assert blocker.read_text() == "kein Ordner"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_language_of_the_page() -> None:
    assert hyphenation.lang_of('<!DOCTYPE html>\n<html lang="de">') == "de"
    assert hyphenation.lang_of("<html><body lang='de'>") is None
    assert hyphenation.warm(None) is False
    assert hyphenation.warm("tlh") is False  # no patterns for Klingon


def test_same_line_breaks_from_the_copy_as_from_pyphen(cold, tmp_path) -> None:
    from pypdf import PdfReader

    def text() -> str:
        out = pdf.pdf_bytes(NARROW_TABLE, base=tmp_path, allowed_roots=[tmp_path], link_texts={})
        return PdfReader(io.BytesIO(out)).pages[0].extract_text()

    parsed = text()  # patterns parsed by pyphen (and the copy written)
    pyphen.hdcache.pop(DE)
    assert copies(cold)
    from_copy = text()
    assert from_copy == parsed
    assert "\u2010\n" in parsed  # hyphenated at all (WeasyPrint's hyphen, U+2010)
