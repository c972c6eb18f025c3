"""The output pipeline itself: --format parsing, the content cache per format, atomic writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from lafast_docs.errors import FormatUnknown, RenderError
from lafast_docs.outputs.document import DOCUMENT, render
from lafast_docs.outputs.redline import REDLINE
from lafast_docs.outputs.replies import REPLY
from lafast_docs.outputs.synopse import SYNOPSE
from lafast_docs.release.final import FINAL
from lafast_docs.render.pipeline import Output, Product, parse_formats, produce

from .conftest import write_draft_body


# -- --format -----------------------------------------------------------------------------------
def test_products_declare_their_formats() -> None:
    assert DOCUMENT.formats == REDLINE.formats == ("pdf", "docx", "html")
    assert FINAL.formats == DOCUMENT.formats  # the archival PDF only with --archive
    assert SYNOPSE.formats == ("pdf", "docx", "xlsx")
    assert REPLY.formats == ("pdf", "docx")


@pytest.mark.parametrize(
    ("value", "product", "expected"),
    [
        (None, DOCUMENT, ("pdf", "docx", "html")),
        ("", SYNOPSE, ("pdf", "docx", "xlsx")),
        ("html", DOCUMENT, ("html",)),
        ("PDF, Docx", REPLY, ("pdf", "docx")),
        ("xlsx,pdf,XLSX, pdf", SYNOPSE, ("xlsx", "pdf")),
        (" docx ,, ", REDLINE, ("docx",)),
    ],
)
def test_parse_formats(value, product, expected) -> None:
    assert parse_formats(value, product) == expected


@pytest.mark.parametrize(
    ("value", "product", "message", "hint"),
    [
        ("pdf,odt", DOCUMENT, "Unbekanntes Format „odt“.", "pdf, docx, html"),
        ("xlsx", DOCUMENT, "Unbekanntes Format „xlsx“.", "pdf, docx, html"),
        ("html", SYNOPSE, "Unbekanntes Format „html“.", "pdf, docx, xlsx"),
        ("html,odt", REPLY, "Unbekanntes Format „html, odt“.", "pdf, docx"),
        ("archiv", FINAL, "Unbekanntes Format „archiv“.", "pdf, docx, html"),
        (" , ", DOCUMENT, "Unbekanntes Format „ , “.", "pdf, docx, html"),
    ],
)
def test_parse_formats_refuses_unknown(value, product, message, hint) -> None:
    with pytest.raises(FormatUnknown) as info:
        parse_formats(value, product)
    assert info.value.message == message
    assert info.value.hint == f"Möglich sind: {hint} (mehrere mit Komma)."
    assert info.value.exit_code == 1


# -- produce: cache and atomic writes -----------------------------------------------------------
class Broken(Exception):
    pass


def _product(calls: list[str]) -> Product[str]:
    def writer(fmt: str):  # type: ignore[no-untyped-def]
        def write(model: str) -> bytes:
            calls.append(fmt)
            if model == "kaputt" and fmt == "b":
                raise Broken(fmt)
            return f"{fmt}:{model}".encode()

        return write

    return Product(
        {"a": writer("a"), "b": writer("b"), "x": writer("x")},
        extra=("x",),
        endings={"x": "-x.a"},
    )


def test_produce_writes_each_format_once_and_names_files(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LAFAST_WORKERS", "1")  # the writers' calls are counted in this process
    calls: list[str] = []
    models: list[int] = []

    def model() -> str:
        models.append(1)
        return "eins"

    out = produce(_product(calls), model, out=tmp_path / "neu", stem="s", formats=("b", "a", "x"))
    assert out == [
        Output("b", tmp_path / "neu" / "s.b", False),
        Output("a", tmp_path / "neu" / "s.a", False),
        Output("x", tmp_path / "neu" / "s-x.a", False),
    ]
    assert (tmp_path / "neu" / "s.b").read_bytes() == b"b:eins"
    assert calls == ["b", "a", "x"] and models == [1]  # the model is built once


def test_produce_refuses_formats_the_product_does_not_make(tmp_path: Path) -> None:
    with pytest.raises(FormatUnknown, match="„c“"):
        produce(_product([]), lambda: "m", out=tmp_path, stem="s", formats=("a", "c"))
    assert not list(tmp_path.iterdir())
    assert parse_formats(None, _product([])) == ("a", "b")  # "x" only when asked in code


def test_cache_hit_and_miss_per_format(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LAFAST_WORKERS", "1")  # the writers' calls are counted in this process
    calls: list[str] = []
    models: list[str] = []
    keys = {"a": "1", "b": "1"}

    def run(**kw):  # type: ignore[no-untyped-def]
        return produce(
            _product(calls),
            lambda: models.append("m") or "m",
            out=tmp_path,
            stem="s",
            formats=("a", "b"),
            key=lambda fmt: keys[fmt],
            **kw,
        )

    assert [o.cached for o in run()] == [False, False]
    calls.clear()
    models.clear()
    assert [o.cached for o in run()] == [True, True]
    assert calls == [] and models == []  # nothing to write: no model either
    keys["b"] = "2"  # only b's inputs changed
    assert [o.cached for o in run()] == [True, False] and calls == ["b"]
    (tmp_path / "s.a").write_bytes(b"von Hand geaendert")  # a changed output is made again
    calls.clear()
    assert [o.cached for o in run()] == [False, True] and calls == ["a"]
    calls.clear()
    assert [o.cached for o in run(force=True)] == [False, False] and calls == ["a", "b"]
    (tmp_path / "s.b").unlink()
    calls.clear()
    assert [o.cached for o in run()] == [True, False] and calls == ["b"]


def test_without_key_nothing_is_cached(tmp_path: Path) -> None:
    calls: list[str] = []
    for _ in range(2):
        out = produce(_product(calls), lambda: "m", out=tmp_path, stem="s", formats=("a",))
        assert [o.cached for o in out] == [False]
    assert calls == ["a", "a"]
    assert not (tmp_path / ".lafast-cache.json").exists()


def test_a_failing_writer_leaves_the_previous_output(tmp_path: Path) -> None:
    calls: list[str] = []
    produce(_product(calls), lambda: "alt", out=tmp_path, stem="s", formats=("a", "b"))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(Broken):
        produce(_product(calls), lambda: "kaputt", out=tmp_path, stem="s", formats=("a", "b"))
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after["s.b"] == before["s.b"] == b"b:alt"  # byte-identical, not half-written
    assert after["s.a"] == b"a:kaputt"  # written before the failure, whole
    assert set(after) == set(before)  # no temp file left


def test_finish_runs_on_each_written_file_before_the_cache_records_it(tmp_path: Path) -> None:
    seen: list[tuple[str, bytes]] = []

    def finish(fmt: str, target: Path) -> None:
        seen.append((fmt, target.read_bytes()))
        target.write_bytes(target.read_bytes() + b"+signiert")

    def run() -> list[Output]:
        return produce(
            _product([]),
            lambda: "m",
            out=tmp_path,
            stem="s",
            formats=("a",),
            key=lambda fmt: "k",
            finish=finish,
        )

    run()
    assert seen == [("a", b"a:m")]
    assert run()[0].cached  # the cache holds the finished file
    assert (tmp_path / "s.a").read_bytes() == b"a:m+signiert" and len(seen) == 1


# -- the document product through the pipeline ----------------------------------------------------
def test_document_render_failure_keeps_previous_output(ws) -> None:
    write_draft_body(ws, "d", "Erste Fassung.\n")
    (first,) = render(ws, "d", formats=("pdf",))
    before = first.path.read_bytes()
    write_draft_body(ws, "d", "Zweite Fassung.\n\n![Kaputtes Bild](kaputt.png)\n")
    (ws.drafts_dir / "d" / "kaputt.png").write_bytes(b"\x89PNG\r\n\x1a\nkein Bild")
    with pytest.raises(RenderError, match=r"kaputt\.png lässt sich nicht laden"):
        render(ws, "d", formats=("pdf",))
    assert first.path.read_bytes() == before
    assert sorted(p.name for p in first.path.parent.iterdir()) == [".lafast-cache.json", "d.pdf"]


def test_writers_on_several_cores_give_the_same_files(tmp_path: Path, monkeypatch) -> None:
    """Each format made in its own child process: the files are those of the sequential run,
    and a failing writer fails the whole with its own error, as it would sequentially."""
    product = _product([])
    for workers in ("1", "3"):
        monkeypatch.setenv("LAFAST_WORKERS", workers)
        produce(product, lambda: "eins", out=tmp_path / workers, stem="s", formats=("b", "a", "x"))
    assert {p.name: p.read_bytes() for p in (tmp_path / "1").iterdir()} == {
        p.name: p.read_bytes() for p in (tmp_path / "3").iterdir()
    }

    def broken(_model: str) -> bytes:
        raise FormatUnknown("kaputt", hint="Hinweis")

    failing = Product({"a": lambda m: b"a", "b": broken})
    with pytest.raises(FormatUnknown, match="kaputt") as caught:
        produce(failing, lambda: "m", out=tmp_path / "f", stem="s", formats=("a", "b"))
    assert caught.value.hint == "Hinweis"
    assert not (tmp_path / "f" / "s.b").exists()
