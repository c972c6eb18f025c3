"""Seeing decisions: `comments show` shows the decision with its history and consensus;
`comments list` shows and filters by decision; the anchoring filter is named for what it is."""

from __future__ import annotations

import json

from click.testing import CliRunner

from lafast_docs.workspace import Workspace
from tests.conftest import entry, lag_confirms
from tests.test_cli import _Main


def run(ws: Workspace, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(_Main(), ["--workspace", str(ws.root), *args])
    return result.exit_code, result.output


def test_show_and_filter_decisions(fs_ws) -> None:
    ws = fs_ws
    a, b, c = ws.submit(
        "awo-sachsen",
        entry(100, "mindestens drei Monaten", "mindestens sechs Monaten")
        + entry(12, "", "", text="Bitte Beispiele ergänzen.")
        + entry(13, "", "", text="Zu lang."),
    )
    assert run(ws, "decide", a, "--accept")[0] == 0
    code, _ = run(ws, "decide", a, "--partly", "--text", "mindestens vier Monaten",
                  "--reason", "Kompromiss der LAG")  # fmt: skip
    assert code == 0
    assert run(ws, "decide", b, "--reject", "--reason", "Schon in Rn. 14.")[0] == 0
    lag_confirms(ws, [a])

    code, out = run(ws, "comments", "show", a)
    assert code == 0
    assert "Entscheidung: teilweise angenommen (am " in out
    assert "  Begründung: Kompromiss der LAG" in out
    assert "  Übernommene Formulierung: „mindestens vier Monaten“" in out
    assert "  Konsens: lag-fsa-msa am 10.12.2026" in out
    history = out[out.index("Verlauf (älteste zuerst):") :]
    assert history.index(": angenommen") < history.index(": teilweise angenommen – Kompromiss")
    code, out = run(ws, "comments", "show", c)
    assert "Entscheidung: noch offen" in out and f"lafast decide {c} --accept" in out

    def ids(*args: str) -> list[str]:
        code, out = run(ws, "comments", "list", "mindeststandards-fsa", "--json", *args)
        assert code == 0, out
        return [r["id"] for r in json.loads(out)]

    assert ids("--decision", "teilweise") == [a]
    assert ids("--entscheidung", "abgelehnt") == [b]
    assert ids("--decision", "offen") == [c]
    assert ids("--decision", "angenommen") == []  # the current decision counts, not the first
    assert ids("--anchoring", "exakt", "--decision", "teilweise") == [a]
    assert ids("--state", "ohne") == ids("--anchoring", "ohne")  # the old name still works
    code, out = run(ws, "comments", "list", "mindeststandards-fsa", "--decision", "offen")
    assert code == 0 and "Entscheidung" in out and c in out and a not in out
    code, out = run(ws, "comments", "list", "mindeststandards-fsa", "--decision", "egal")
    assert code == 2 and "egal" in out
    code, out = run(ws, "comments", "list", "--help")
    assert "--anchoring, --state" in out and "--decision, --entscheidung" in out


def test_cli_decision_filters_match_the_core() -> None:
    """`comments list --decision` spells out the filters so that `--help` stays fast."""
    from lafast_docs.cli.consultation import DECISION_FILTERS as CLI_FILTERS
    from lafast_docs.decisions.overview import DECISION_FILTERS

    assert CLI_FILTERS == DECISION_FILTERS
