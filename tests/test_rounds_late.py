"""Late replies: after `consult close` a reply is refused unless `--late` takes it in on purpose;
then it is stored marked „verspätet“ and `consult status` and `comments show` say so."""

from __future__ import annotations

import json

from click.testing import CliRunner

from lafast_docs.workspace import Workspace
from tests.conftest import SAMPLE_FS, entry, git
from tests.intake_files import fill_yaml_form
from tests.test_cli import _Main


def run(ws: Workspace, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(_Main(), ["--workspace", str(ws.root), *args])
    return result.exit_code, result.output


def test_reply_after_close_needs_late_and_is_marked(fs_ws, tmp_path) -> None:
    ws = fs_ws
    ws.submit("awo-sachsen", entry(12, "", "", text="Pünktlich."))
    assert run(ws, "consult", "close", SAMPLE_FS)[0] == 0
    folder = ws.comments_dir / SAMPLE_FS / "runde-1"
    form = folder / "formulare" / "caritas-dresden" / f"{SAMPLE_FS}-runde-1-caritas-dresden.yaml"
    answer = tmp_path / "caritas-antwort.yaml"
    answer.write_bytes(fill_yaml_form(form, entry(13, "", "", text="Zu spät, aber wichtig.")))
    before = sorted(p.relative_to(ws.root) for p in folder.rglob("*"))
    head = git(ws, "rev-parse", "HEAD")

    code, out = run(ws, "comments", "import", str(answer))
    assert code == 1
    assert "!! caritas-antwort.yaml: verspätet – Rückmeldung von Caritasverband für das " in out
    assert "runde-1 zu mindeststandards-fsa ist seit" in out and "nichts eingelesen" in out
    assert "„lafast comments import caritas-antwort.yaml --late“" in out
    assert sorted(p.relative_to(ws.root) for p in folder.rglob("*")) == before  # nothing written
    assert git(ws, "rev-parse", "HEAD") == head and git(ws, "status", "--porcelain") == ""

    code, out = run(ws, "comments", "import", str(answer), "--late")
    assert code == 0, out
    assert "– verspätet (Runde am " in out
    [cid] = out.split("Kennungen: ")[1].split()[:1]
    code, out = run(ws, "consult", "status", SAMPLE_FS)
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("caritas-dresden"))
    assert line.rstrip().endswith(", verspätet")
    assert "1 Rückmeldung(en) verspätet, nach dem Schluss der Runde am " in out
    awo = next(x for x in out.splitlines() if x.startswith("awo-sachsen"))
    assert "verspätet" not in awo
    code, out = run(ws, "consult", "status", SAMPLE_FS, "--json")
    late = {r["org"]: r["verspaetet"] for r in json.loads(out)["eingeladene"]}
    assert late == {"awo-sachsen": 0, "caritas-dresden": 1}
    code, out = run(ws, "comments", "show", cid)
    assert "Eingang: verspätet, am " in out
    code, out = run(ws, "comments", "list", SAMPLE_FS, "--json")
    assert {r["id"]: r["verspaetet"] for r in json.loads(out)}[cid] is True
