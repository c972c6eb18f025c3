from pathlib import Path

import pytest

from lafast_docs.errors import ConfigError, LafastError, WorkspaceNotFound
from lafast_docs.workspace import find_workspace
from lafast_docs.workspace.addressbook import add_org, remove_org
from lafast_docs.workspace.config import CONFIG_NAME, load_config
from lafast_docs.workspace.create import init_workspace

from .conftest import git


def test_init_creates_repository_with_commented_config(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "neu", name="Fachstelle Test")
    for name in ("drafts", "comments", "templates", ".gitignore", CONFIG_NAME, ".git"):
        assert (ws.root / name).exists(), name
    text = (ws.root / CONFIG_NAME).read_text("utf-8")
    assert text.startswith("# lafast.yaml")
    assert 'name: "Fachstelle Test"' in text
    assert "build/" in (ws.root / ".gitignore").read_text("utf-8")
    assert git(ws, "log", "--format=%s").strip() == "Arbeitsbereich angelegt"
    assert git(ws, "status", "--porcelain") == ""
    assert ws.config.approvers["fachstandard"] == ["leitung", "lag-sprecher"]


def test_init_refuses_existing_workspace(tmp_path: Path) -> None:
    init_workspace(tmp_path / "a")
    with pytest.raises(LafastError, match="schon einen lafast-Arbeitsbereich"):
        init_workspace(tmp_path / "a")


def test_find_workspace_walks_upwards_and_accepts_explicit(ws, tmp_path: Path) -> None:
    deep = ws.drafts_dir / "x" / "y"
    deep.mkdir(parents=True)
    assert find_workspace(deep).root == ws.root
    assert find_workspace(tmp_path, explicit=ws.root).root == ws.root
    with pytest.raises(WorkspaceNotFound) as info:
        find_workspace(tmp_path)
    assert "lafast init" in (info.value.hint or "")
    with pytest.raises(WorkspaceNotFound):
        find_workspace(explicit=tmp_path)


def test_config_problems_are_all_reported_with_lines(ws) -> None:
    path = ws.root / CONFIG_NAME
    path.write_text(
        "format: 1\n"
        "organisation:\n"
        "  name: Test\n"
        "roles:\n"
        "  leitung: Leitung\n"
        "people:\n"
        "  - id: anna\n"
        "    name: Anna\n"
        "    roles: [chefin]\n"
        "address_book:\n"
        "  - id: AWO Sachsen\n"
        "    name: AWO\n"
        "    type: verein\n"
        "  - id: lag\n"
        "    name: LAG\n"
        "    type: gremium\n"
        "    email: kaputt\n"
        "colour: blau\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    err = info.value
    lines = {p.line for p in err.problems}
    messages = " | ".join(p.message for p in err.problems)
    assert len(err.problems) == 5, messages
    assert "Rolle „chefin“" in messages and "kein Kurzname" in messages
    assert "traeger oder gremium" in messages and "„kaputt“" in messages
    assert "Unbekannter Eintrag „colour“" in messages
    assert {9, 11, 13, 17, 18} <= lines
    rendered = err.render()
    assert f"{path}:9" in rendered and "Was tun:" in rendered


def test_config_yaml_syntax_error_names_line(ws) -> None:
    path = ws.root / CONFIG_NAME
    path.write_text("format: 1\norganisation:\n  name: [Test\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.line is not None and info.value.path == path


def test_org_add_and_remove_keep_comments_and_commit(ws) -> None:
    before = (ws.root / CONFIG_NAME).read_text("utf-8")
    org = add_org(
        ws,
        "awo-sachsen",
        name="AWO Landesverband Sachsen e. V.",
        type="traeger",
        email="migration@awo.example.org",
        contact="Katrin Weber",
    )
    assert org.name == "AWO Landesverband Sachsen e. V."
    add_org(ws, "lag-fsa-msa", name="LAG FSA/MSA", type="gremium")
    text = (ws.root / CONFIG_NAME).read_text("utf-8")
    for line in before.splitlines():
        if line.startswith("#"):
            assert line in text  # every comment survives
    assert [o.id for o in load_config(ws.root / CONFIG_NAME).orgs] == ["awo-sachsen", "lag-fsa-msa"]
    assert "Adressbuch: LAG FSA/MSA (lag-fsa-msa) hinzugefügt" in git(ws, "log", "--format=%s")
    remove_org(ws, "awo-sachsen")
    assert [o.id for o in load_config(ws.root / CONFIG_NAME).orgs] == ["lag-fsa-msa"]
    assert git(ws, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"org_id": "AWO", "name": "x", "type": "traeger"}, "Ungültige Kennung"),
        ({"org_id": "awo", "name": "x", "type": "verein"}, "Unbekannte Art"),
        ({"org_id": "awo", "name": " ", "type": "traeger"}, "Name der Organisation fehlt"),
        ({"org_id": "awo", "name": "x", "type": "traeger", "email": "nein"}, "keine gültige"),
    ],
)
def test_org_add_refuses_bad_input(ws, kwargs, message) -> None:
    org_id = kwargs.pop("org_id")
    with pytest.raises(LafastError, match=message):
        add_org(ws, org_id, **kwargs)
    assert load_config(ws.root / CONFIG_NAME).orgs == []


def test_org_add_duplicate_and_remove_unknown(ws) -> None:
    add_org(ws, "drk", name="DRK", type="traeger")
    with pytest.raises(LafastError, match="schon im Adressbuch"):
        add_org(ws, "drk", name="DRK", type="traeger")
    with pytest.raises(LafastError, match="nicht im Adressbuch"):
        remove_org(ws, "caritas")
