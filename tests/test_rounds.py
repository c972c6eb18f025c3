"""Three consultation rounds on one document: every round keeps to itself.

The Synopse of a range shows exactly the comments of the rounds consulted in that range, each
carried from the version it was made on; consensus confirms one round's decisions; replies
answer one round; comment ids show who wrote them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lafast_docs.consultation.intake.importer import import_files
from lafast_docs.consultation.rounds import close_round, open_round, rounds_between
from lafast_docs.decisions.consensus import confirmations, list_consensus, record
from lafast_docs.decisions.disposition import decide
from lafast_docs.decisions.merge import merge
from lafast_docs.decisions.provenance import trace
from lafast_docs.outputs.replies import collect
from lafast_docs.outputs.synopse import build_rows, synopse
from lafast_docs.storage import yamlio
from lafast_docs.text.drafts import load_draft
from lafast_docs.text.history import WORKING, model_of
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.config import load_config
from lafast_docs.workspace.create import init_workspace

from .conftest import GIT_ENV, SAMPLE_FS, TODAY, copy_samples, entry
from .intake_files import fill_yaml_form

TAG = f"lafast/{SAMPLE_FS}/runde-"
# per round: (org, paragraph start, quote, replacement) for a proposal, and a plain remark
PROPOSALS = {
    1: ("awo-sachsen", "Er sichert eine", "fachlich fundierte", "fachlich fundierte, stabile"),
    2: ("caritas-dresden", "Der Fachstandard gilt für", "nach der Verteilung", "nach Zuweisung"),
    3: ("awo-sachsen", "Das Asylgesetz regelt", "während des Asylverfahrens", "im Asylverfahren"),
}
REMARKS = {1: "Die Aufnahme und", 2: "Die Genfer", 3: "Neben den rechtlichen"}


def _rn(ws: Workspace, start: str) -> int:
    [block] = [b for b in model_of(load_draft(ws, SAMPLE_FS)).blocks if b.text.startswith(start)]
    return block.rn


def _submit(ws: Workspace, tmp: Path, n: int, org: str, entries: str) -> list[str]:
    form = ws.comments_dir / SAMPLE_FS / f"runde-{n}" / "formulare" / org
    path = tmp / f"{org}-{n}.yaml"
    path.write_bytes(fill_yaml_form(form / f"{SAMPLE_FS}-runde-{n}-{org}.yaml", entries))
    [res] = import_files(ws, [path])
    assert res.status == "importiert", res.message
    return res.ids


def _run_round(ws: Workspace, tmp: Path, n: int) -> dict[str, list[str]]:
    org, start, quote, new = PROPOSALS[n]
    open_round(
        ws,
        SAMPLE_FS,
        deadline=dt.date(2026, 12, 20),
        invite=["awo-sachsen", "caritas-dresden", "diakonie-sachsen"],
        today=TODAY,
    )
    [proposal] = _submit(ws, tmp, n, org, entry(_rn(ws, start), quote, new))
    remark_entry = (
        f"  - rn: {_rn(ws, REMARKS[n])}\n    art: grundsaetzlich\n"
        f'    anmerkung: "Anmerkung der Runde {n}."\n'
    )
    [remark] = _submit(ws, tmp, n, "diakonie-sachsen", remark_entry)
    decide(ws, proposal, "angenommen")
    decide(ws, remark, "kenntnis", reason="Wird bei der Überarbeitung bedacht.")
    record(
        ws,
        SAMPLE_FS,
        gremium="lag-fsa-msa",
        date=dt.date(2026, 12, 1) + dt.timedelta(days=7 * n),
        participants=["Selin Kaya"],
        all_accepted=True,
    )
    close_round(ws, SAMPLE_FS, today=TODAY)
    assert merge(ws, SAMPLE_FS).commit
    if n == 1:  # a new paragraph early in the text: every later Randnummer moves by one
        draft = load_draft(ws, SAMPLE_FS)
        text = draft.path.read_text("utf-8")
        anchor = "Die Mindeststandards beschreiben eine Untergrenze"
        draft.path.write_text(
            text.replace(anchor, "Ein neuer Absatz vor der zweiten Runde.\n\n" + anchor, 1),
            "utf-8",
        )
        ws.store.commit([draft.path], "Absatz eingefügt")
    return {"proposal": [proposal], "remark": [remark]}


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, dict[int, dict]]:
    mp = pytest.MonkeyPatch()
    for key, value in GIT_ENV.items():
        mp.setenv(key, value)
    tmp = tmp_path_factory.mktemp("rounds")
    ws = copy_samples(init_workspace(tmp / "ws"), SAMPLE_FS)
    try:
        ids = {n: _run_round(ws, tmp, n) for n in (1, 2, 3)}
        yield ws, ids
    finally:
        mp.undo()


def _ids(rows) -> list[str]:
    return sorted(c["id"] for r in rows for c in r.comments)


def _all(ids: dict[str, list[str]]) -> list[str]:
    return sorted(ids["proposal"] + ids["remark"])


def test_synopse_of_round_3_holds_only_round_3(three, tmp_path) -> None:
    ws, ids = three
    assert [r.id for r in rounds_between(ws, SAMPLE_FS, f"{TAG}3", "HEAD")] == ["runde-3"]
    rows = build_rows(ws, SAMPLE_FS, f"{TAG}3", "HEAD")
    assert _ids(rows) == _all(ids[3])
    assert _ids(build_rows(ws, SAMPLE_FS, f"{TAG}3", WORKING, public=False)) == _all(ids[3])
    # the table a person opens: the XLSX names round 3's comments and no other
    from openpyxl import load_workbook

    [out] = synopse(ws, SAMPLE_FS, f"{TAG}3", "HEAD", formats=("xlsx",), out_dir=tmp_path)
    text = "\n".join(
        str(v) for row in load_workbook(out.path).active.iter_rows(values_only=True) for v in row
    )
    for cid in _all(ids[3]):
        assert cid in text
    for cid in _all(ids[1]) + _all(ids[2]):
        assert cid not in text
    assert "Anmerkung der Runde 3." in text and "Runde 2." not in text


def test_synopse_between_rounds_and_across_rounds(three) -> None:
    ws, ids = three
    assert _ids(build_rows(ws, SAMPLE_FS, f"{TAG}2", f"{TAG}3")) == _all(ids[2])
    assert _ids(build_rows(ws, SAMPLE_FS, f"{TAG}1", f"{TAG}2")) == _all(ids[1])
    rows = build_rows(ws, SAMPLE_FS, f"{TAG}1", "HEAD")
    assert _ids(rows) == sorted(_all(ids[1]) + _all(ids[2]) + _all(ids[3]))
    # round 2 was made on a version with one more paragraph: its comments are carried back to
    # their paragraph in version A (round 1's), and say where they were made
    [r2] = [r for r in rows for c in r.comments if c["id"] == ids[2]["proposal"][0]]
    assert r2.old.startswith("Der Fachstandard gilt für")
    [c2] = [c for c in r2.comments if c["id"] == ids[2]["proposal"][0]]
    assert c2["where"].startswith(f"Rn. {r2.rn_old + 1} der Version")
    [r1] = [r for r in rows for c in r.comments if c["id"] == ids[1]["proposal"][0]]
    assert r1.old.startswith("Er sichert eine") and not r1.comments[0]["where"]
    [remark3] = [r for r in rows for c in r.comments if c["id"] == ids[3]["remark"][0]]
    assert remark3.old.startswith("Neben den rechtlichen")


def test_consensus_confirms_only_its_round_and_blame_shows_it_once(three) -> None:
    ws, ids = three
    records = sorted(list_consensus(ws, SAMPLE_FS), key=lambda k: k.date)
    assert [(k.round, list(k.confirms)) for k in records] == [
        (f"runde-{n}", ids[n]["proposal"]) for n in (1, 2, 3)
    ]
    rn = _rn(ws, "Er sichert eine")
    [traced] = [c for c in trace(ws, SAMPLE_FS, rn).comments if c.id == ids[1]["proposal"][0]]
    assert traced.consensus == ["lag-fsa-msa am 08.12.2026"]


def test_consensus_of_an_earlier_round_and_legacy_records(three) -> None:
    ws, ids = three
    first = ids[1]["proposal"][0]
    # records written before rounds were kept apart re-confirmed everything: counted once
    folder = ws.comments_dir / SAMPLE_FS / "konsens"
    for day in (20, 27):
        data = {
            "format": "lafast-konsens/1",
            "document": SAMPLE_FS,
            "gremium": "lag-fsa-msa",
            "date": dt.date(2026, 12, day),
            "participants": ["Selin Kaya"],
            "result": "konsens",
            "confirms": [first],
            "note": "",
        }
        (folder / f"2026-12-{day}-alt.yaml").write_text(yamlio.dump(data), "utf-8")
    try:
        assert [k.label for k in confirmations(ws, SAMPLE_FS)[first]] == ["lag-fsa-msa 2026-12-08"]
    finally:
        for day in (20, 27):
            (folder / f"2026-12-{day}-alt.yaml").unlink()


def test_replies_answer_one_round(three) -> None:
    ws, ids = three
    folder = ws.comments_dir / SAMPLE_FS / "runde-2"
    replies = collect(ws, folder)
    assert sorted(x.id for r in replies for x in r.lines) == _all(ids[2])


def test_id_prefixes_are_unique_readable_and_stable(ws, tmp_path) -> None:
    from lafast_docs.consultation.model import org_code, org_codes
    from lafast_docs.workspace.addressbook import add_org

    from .conftest import SAMPLE_SN

    ws = copy_samples(ws, SAMPLE_SN)
    names = {
        "diakonie-dresden": "Diakonie Dresden",
        "diakonie-doebeln": "Diakonie Döbeln",
        "lk-meissen": "Landkreis Meißen",
        "lk-mittelsachsen": "Landkreis Mittelsachsen",
    }
    for org_id, name in names.items():
        add_org(ws, org_id, name=name, type="traeger")
    rnd = open_round(ws, SAMPLE_SN, deadline=dt.date(2026, 12, 20), invite=list(names), today=TODAY)
    remark = '  - rn: 3\n    art: inhaltlich\n    anmerkung: "Bitte prüfen."\n'

    def send(org_id: str, n: int) -> list[str]:
        form = rnd.folder / "formulare" / org_id / f"{SAMPLE_SN}-runde-1-{org_id}.yaml"
        path = tmp_path / f"{org_id}-{n}.yaml"
        path.write_bytes(fill_yaml_form(form, remark * n))
        [res] = import_files(ws, [path])
        assert res.status == "importiert", res.message
        return res.ids

    got = {org_id: send(org_id, 1)[0] for org_id in names}
    assert got == {
        "diakonie-dresden": "DIAKONIEDR-SVU-001",
        "diakonie-doebeln": "DIAKONIEDO-SVU-001",
        "lk-meissen": "LKME-SVU-001",
        "lk-mittelsachsen": "LKMI-SVU-001",
    }
    # a new organisation would change the computed code; the one in use stays
    add_org(ws, "diakonie-dr", name="Diakonie DR", type="traeger")
    ws.config = load_config(ws.config.path)
    assert org_codes([o.id for o in ws.config.orgs])["diakonie-dresden"] != "DIAKONIEDR"
    assert send("diakonie-dresden", 2) == ["DIAKONIEDR-SVU-002", "DIAKONIEDR-SVU-003"]
    # ids made before codes were unique keep theirs; the organisations no longer share one
    shared = {"DIAKONIED": {"diakonie-dresden", "diakonie-doebeln"}}
    assert org_code("diakonie-doebeln", list(names), shared) == "DIAKONIEDO"
    assert org_code("awo-sachsen", ["awo-sachsen"], {"AWO": {"awo-sachsen"}}) == "AWO"
    assert org_code("awo-leipzig", ["awo-leipzig"], {"AWO": {"awo-sachsen"}}) == "AWO2"
