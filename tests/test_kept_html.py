"""pandoc's HTML of an unchanged body is kept in .git/lafast/html (render/html.body_html)."""

from __future__ import annotations

import json

import pytest

from lafast_docs.external import pandoc
from lafast_docs.outputs.document import render

from .conftest import write_draft_body

BODY = "# Eins\n\nErster Absatz.[^1]\n\n# Zwei\n\nZweiter Absatz.\n\n[^1]: Eine Fußnote.\n"


@pytest.fixture
def html_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """pandoc's real AST -> HTML runs, counted."""
    runs: list[str] = []
    real = pandoc.json_to

    def counted(fmt, data, extra=None, **kw):
        if fmt == "html5":
            runs.append(fmt)
        return real(fmt, data, extra, **kw)

    monkeypatch.setattr(pandoc, "json_to", counted)
    return runs


def page_text(ws, slug: str) -> str:
    out = {o.format: o.path for o in render(ws, slug, formats=("html",), force=True)}
    return out["html"].read_text("utf-8")


def test_an_unchanged_body_skips_pandoc_and_a_changed_one_does_not(ws, html_runs) -> None:
    path = write_draft_body(ws, "behalten", BODY)
    first = page_text(ws, "behalten")
    assert html_runs == ["html5"] and "Erster Absatz." in first
    assert page_text(ws, "behalten") == first
    assert html_runs == ["html5"]  # kept
    kept = ws.store.git_dir() / "lafast" / "html" / "behalten.web.json"
    assert json.loads(kept.read_text("utf-8"))["html"].count("Erster Absatz.") == 1

    # the front matter changes (a new version), the body does not: still kept
    path.write_text(path.read_text("utf-8").replace('version: "0.1"', 'version: "0.2"'))
    second = page_text(ws, "behalten")
    assert html_runs == ["html5"] and "0.2" in second and "Erster Absatz." in second

    path.write_text(path.read_text("utf-8").replace("Erster Absatz.", "Geänderter Absatz."))
    third = page_text(ws, "behalten")
    assert html_runs == ["html5", "html5"]
    assert "Geänderter Absatz." in third and "Erster Absatz." not in third


@pytest.mark.parametrize(
    "junk",
    ["", "{", "[]", '{"key": 1, "html": 2}', '{"key": "x", "html": "<p>FALSCH</p>"}'],
)
def test_a_broken_or_foreign_kept_body_is_not_used(ws, html_runs, junk) -> None:
    write_draft_body(ws, "kaputt", BODY)
    first = page_text(ws, "kaputt")
    kept = ws.store.git_dir() / "lafast" / "html" / "kaputt.web.json"
    kept.write_text(junk, encoding="utf-8")
    again = page_text(ws, "kaputt")
    assert again == first and "FALSCH" not in again
    assert len(html_runs) == 2
    assert json.loads(kept.read_text("utf-8"))["html"].count("Erster Absatz.") == 1  # renewed
