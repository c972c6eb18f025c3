import datetime as dt

import pytest

from lafast_docs.errors import DraftError, DraftExists, DraftNotFound, SlugError
from lafast_docs.text.drafts import list_drafts, load_draft, new_draft, save_draft, write_draft

from .conftest import git, write_draft_body


def test_new_fachstandard_from_template_is_committed(ws) -> None:
    d = new_draft(ws, "fachstandard", None, "Mindeststandards Ü")
    assert d.slug == "mindeststandards-ue"
    assert d.path == ws.drafts_dir / "mindeststandards-ue" / "document.md"
    assert d.type == "fachstandard" and d.state == "entwurf" and d.version == "0.1"
    assert "geltungsbereich" in d.meta
    assert (
        git(ws, "log", "-1", "--format=%s").strip() == "Fachstandard „Mindeststandards Ü“ angelegt"
    )
    assert git(ws, "status", "--porcelain") == ""


def test_new_stellungnahme_has_its_fields(ws) -> None:
    d = new_draft(
        ws, "stellungnahme", "sn-test", 'Zum "Entwurf": VwV #1', today=dt.date(2026, 11, 21)
    )
    assert d.title == 'Zum "Entwurf": VwV #1'  # quoted safely into YAML
    assert set(d.meta) >= {"adressat", "bezug", "frist"}
    assert d.meta["frist"] == dt.date(2026, 11, 21)


def test_new_refuses_duplicate_bad_slug_and_unknown_type(ws) -> None:
    new_draft(ws, "fachstandard", "eins", "Eins")
    with pytest.raises(DraftExists):
        new_draft(ws, "fachstandard", "eins", "Noch einmal")
    with pytest.raises(SlugError):
        new_draft(ws, "fachstandard", "Eins Zwei", "Titel")
    with pytest.raises(DraftError, match="Unbekannter Dokumenttyp"):
        new_draft(ws, "richtlinie", "x", "Titel")
    with pytest.raises(DraftError, match="Titel fehlt"):
        new_draft(ws, "fachstandard", "x", "  ")


def test_front_matter_round_trip_keeps_comments_and_order(ws) -> None:
    d = new_draft(ws, "fachstandard", "rt", "Rund")
    original = d.path.read_text("utf-8")
    d.set("version", "0.2")
    d.set("state", "konsultation")
    write_draft(d)
    text = d.path.read_text("utf-8")
    assert (
        text.replace('"0.2"', '"0.1"').replace("state: konsultation", "state: entwurf") == original
    )
    assert load_draft(ws, "rt").version == "0.2"


def test_broken_yaml_names_file_and_line(ws) -> None:
    path = write_draft_body(ws, "kaputt", "Text", extra_meta="keywords: [a, b\nstate: entwurf\n")
    with pytest.raises(DraftError) as info:
        load_draft(ws, "kaputt")
    assert info.value.path == path
    assert info.value.line in (6, 7)
    assert "YAML" in info.value.message


def test_front_matter_problems_collected(ws) -> None:
    folder = ws.drafts_dir / "fm"
    folder.mkdir(parents=True)
    (folder / "document.md").write_text(
        "---\ntype: richtlinie\nversion: eins\nstate: fertig\nfrist: morgen\n---\nText\n",
        encoding="utf-8",
    )
    with pytest.raises(DraftError) as info:
        load_draft(ws, "fm")
    messages = [p.message for p in info.value.problems]
    lines = [p.line for p in info.value.problems]
    assert len(messages) == 5, messages
    assert any("Unbekannter Dokumenttyp „richtlinie“" in m for m in messages)
    assert any("„title“" in m for m in messages)
    assert any("„version“" in m for m in messages)
    assert any("Unbekannter Stand „fertig“" in m for m in messages)
    assert any("„frist“" in m for m in messages)
    assert 2 in lines and 5 in lines


def test_missing_front_matter(ws) -> None:
    folder = ws.drafts_dir / "ohne"
    folder.mkdir(parents=True)
    (folder / "document.md").write_text("# Nur Text\n", encoding="utf-8")
    with pytest.raises(DraftError, match="YAML-Block"):
        load_draft(ws, "ohne")


def test_unknown_draft_lists_known(ws) -> None:
    new_draft(ws, "fachstandard", "da", "Da")
    with pytest.raises(DraftNotFound) as info:
        load_draft(ws, "weg")
    assert "da" in (info.value.hint or "")


def test_list_shows_broken_draft_beside_good_ones(ws) -> None:
    new_draft(ws, "fachstandard", "gut", "Gut")
    folder = ws.drafts_dir / "schlecht"
    folder.mkdir()
    (folder / "document.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    items = list_drafts(ws)
    assert [getattr(i, "slug", None) for i in items] == ["gut", "schlecht"]
    assert isinstance(items[1], DraftError)


def test_save_commits_once_and_reports_no_change(ws) -> None:
    d = new_draft(ws, "fachstandard", "s", "S")
    d.path.write_text(d.path.read_text("utf-8") + "\nNeuer Absatz.\n", encoding="utf-8")
    (d.folder / "bilder").mkdir()
    (d.folder / "bilder" / "a.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    sha = save_draft(ws, "s", "Absatz ergänzt")
    assert len(sha) == 40
    assert git(ws, "show", "--stat", "--format=%s", "HEAD").splitlines()[0] == "Absatz ergänzt"
    assert "bilder/a.svg" in git(ws, "show", "--stat", "HEAD")
    assert save_draft(ws, "s", "nichts") == ""
    assert git(ws, "status", "--porcelain") == ""
