"""lafast check: accessibility findings with file and line; the samples have none."""

from __future__ import annotations

from click.testing import CliRunner

from lafast_docs.cli import cli
from lafast_docs.text.accessibility import check
from lafast_docs.text.drafts import load_draft

from .conftest import SAMPLE_FS, SAMPLE_SN, write_draft_body

BODY = """# Einleitung

Ein Bild ohne Text: ![](grafik.svg)

Ein Bild mit Dateinamen: ![grafik.svg](grafik.svg)

### Zu tief

Mehr dazu [hier](https://example.org/a) und [](https://example.org/b).

+-------+-------+
| ohne  | Kopf  |
+-------+-------+

| Spalte | Wert |
|--------|------|
| a      | 1    |

Gut: [Verordnung über die Unterbringung](https://example.org/vo) und
![Balkendiagramm der Fallzahlen 2025](grafik.svg)
"""

SVG = (
    "<svg xmlns='http://www.w3.org/2000/svg' width='4' height='2'>"
    "<rect width='4' height='2'/></svg>"
)


def test_findings_name_line_and_fix(ws) -> None:
    path = write_draft_body(ws, "pruefung", BODY)
    (path.parent / "grafik.svg").write_text(SVG, "utf-8")
    problems = check(load_draft(ws, "pruefung"))
    lines = path.read_text("utf-8").splitlines()
    found = [(p.line, p.message) for p in problems]
    assert len(found) == 6, found
    by_kind = dict.fromkeys(
        (
            "keinen Alternativtext",
            "nur der Dateiname",
            "überspringt",
            "„hier“",
            "hat keinen Text",
            "keine Kopfzeile",
        )
    )
    for line, msg in found:
        key = next(k for k in by_kind if k in msg)
        by_kind[key] = lines[line - 1]
    assert by_kind["keinen Alternativtext"] == "Ein Bild ohne Text: ![](grafik.svg)"
    assert by_kind["nur der Dateiname"].startswith("Ein Bild mit Dateinamen")
    assert by_kind["überspringt"] == "### Zu tief"
    assert by_kind["„hier“"].startswith("Mehr dazu") and by_kind["hat keinen Text"].startswith(
        "Mehr dazu"
    )
    assert by_kind["keine Kopfzeile"] == "| ohne  | Kopf  |"
    assert all(p.path == path for p in problems)

    res = CliRunner().invoke(cli, ["-w", str(ws.root), "check", "pruefung"])
    assert res.exit_code == 1
    assert "6 Befund(e) zur Barrierefreiheit" in res.output
    assert "Verwenden Sie ## statt ###" in res.output


def test_samples_have_no_findings(sample_ws) -> None:
    for slug in (SAMPLE_FS, SAMPLE_SN):
        assert check(load_draft(sample_ws, slug)) == []
    res = CliRunner().invoke(cli, ["-w", str(sample_ws.root), "check", SAMPLE_SN, "--json"])
    assert res.exit_code == 0 and res.output.strip() == "[]"


def test_final_render_refuses_findings(sample_ws) -> None:
    import pytest

    from lafast_docs.errors import DraftError
    from lafast_docs.release.final import render_final
    from lafast_docs.release.signoff import sign_off

    from .test_signoff import edit, unsigned

    ws = unsigned(sample_ws)
    edit(ws, SAMPLE_SN, "Die Verordnung steht [hier](https://example.org/vo).")
    sign_off(ws, SAMPLE_SN, "leitung")
    with pytest.raises(DraftError) as err:
        render_final(ws, SAMPLE_SN, formats=("pdf",))
    text = err.value.render()
    assert "nicht barrierefrei genug" in text and "Verweistext „hier“" in text
    assert not (ws.build_dir / SAMPLE_SN / "freigegeben").exists() or not any(
        (ws.build_dir / SAMPLE_SN / "freigegeben").iterdir()
    )
