"""Sign-off: approvals bound to content, voided by edits, signed and verified by git."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lafast_docs.cli import main
from lafast_docs.errors import ConfigError, SignoffError
from lafast_docs.office.status import document_status
from lafast_docs.release.signoff import sign_off, signoff_status
from lafast_docs.text.drafts import save_draft
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.config import load_config
from tests.conftest import SAMPLE_FS, SAMPLE_SN, git
from tests.keys import Keys, make_keys, use
from tests.test_cli import _Main

ALLOWED = {"miriam-albers": "albers", "selin-kaya": "kaya"}


def unsigned(ws: Workspace) -> Workspace:
    """The sample configuration without the signing policy."""
    path = ws.root / "lafast.yaml"
    text = path.read_text("utf-8")
    path.write_text(text[: text.index("signing:")] + text[text.index("# Gemeinsames") :], "utf-8")
    ws.config = load_config(path)
    ws.store.commit([path], "ohne Signaturen")
    return ws


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return make_keys(tmp_path / "schluessel", allowed=ALLOWED)


def edit(ws: Workspace, slug: str, text: str, message: str = "Absatz ergänzt") -> None:
    path = ws.drafts_dir / slug / "document.md"
    path.write_text(path.read_text("utf-8") + f"\n{text}\n", "utf-8")
    save_draft(ws, slug, message)


def run(ws: Workspace, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(_Main(), ["--workspace", str(ws.root), *args])
    return result.exit_code, result.output


# -- without signing -------------------------------------------------------------------------------
def test_unsigned_approvals_complete_then_voided_by_an_edit(sample_ws: Workspace) -> None:
    ws = unsigned(sample_ws)
    r = sign_off(ws, SAMPLE_SN, "leitung", note="passt")
    assert not r.authenticated
    assert r.status.complete
    assert r.approval.name == "Dr. Miriam Albers"
    assert [row.state for row in document_status(ws) if row.slug == SAMPLE_SN] == ["freigegeben"]

    edit(ws, SAMPLE_SN, "Ein später eingefügter Satz.", "Nachtrag")
    st = signoff_status(ws, SAMPLE_SN)
    assert not st.complete
    (reason,) = st.roles[0].check.reasons  # type: ignore[union-attr]
    assert reason.startswith("Nach der Freigabe geändert: Text oder Bilder des Entwurfs")
    assert "„Nachtrag“" in reason
    row = next(row for row in document_status(ws) if row.slug == SAMPLE_SN)
    assert row.state != "freigegeben" and row.signoffs == "0/1 (1 ungültig)"

    code, out = run(ws, "status")
    assert code == 0
    assert f"{SAMPLE_SN}: Freigabe ungültig – Leitung der Landesfachstelle: Nach der" in out


def test_template_change_voids_too(sample_ws: Workspace) -> None:
    ws = unsigned(sample_ws)
    sign_off(ws, SAMPLE_SN, "leitung")
    css = ws.templates_dir / "common" / "print.css"
    css.parent.mkdir(parents=True, exist_ok=True)
    css.write_text("body { color: #000; }\n")
    ws.store.commit([css], "eigene Gestaltung")
    (reason,) = signoff_status(ws, SAMPLE_SN).roles[0].check.reasons  # type: ignore[union-attr]
    assert "Vorlagen (Gestaltung)" in reason and "„eigene Gestaltung“" in reason


def test_cli_signoff_and_status_messages(sample_ws: Workspace) -> None:
    ws = unsigned(sample_ws)
    code, out = run(ws, "signoff", SAMPLE_FS, "--as", "leitung", "--note", "Vorstand")
    assert code == 0, out
    assert "Freigabe erteilt: Dr. Miriam Albers als Leitung der Landesfachstelle" in out
    assert "Hinweis: Freigaben sind nicht authentifiziert" in out
    assert "Stand: noch nicht freigegeben (1/2)." in out
    code, out = run(ws, "signoff", "status", SAMPLE_FS)
    assert code == 0
    assert "Sprecher*in der LAG FSA/MSA: fehlt" in out


def test_refusals(sample_ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    ws = unsigned(sample_ws)
    with pytest.raises(SignoffError, match="Die Rolle „referent“ gibt Fachstandards nicht frei"):
        sign_off(ws, SAMPLE_FS, "referent")
    draft = ws.drafts_dir / SAMPLE_FS / "document.md"
    draft.write_text("---\ntype: fachstandard\ntitle: X\n---\n")
    with pytest.raises(SignoffError, match="ungespeicherte Änderungen"):
        sign_off(ws, SAMPLE_FS, "leitung")
    with pytest.raises(SystemExit) as exc:
        main(["--workspace", str(ws.root), "render", SAMPLE_SN, "--final"])
    assert exc.value.code == 7
    err = capsys.readouterr().err
    assert f"Fehler: „{SAMPLE_SN}“ ist nicht (mehr) freigegeben." in err
    assert "Leitung der Landesfachstelle: keine Freigabe." in err


# -- with signing ---------------------------------------------------------------------------
def test_signed_approvals_verified_by_git(sample_ws: Workspace, keys: Keys) -> None:
    ws = sample_ws
    use(ws, keys, "albers", pdf=False)
    r = sign_off(ws, SAMPLE_FS, "leitung")
    assert r.authenticated and r.approval.signed and r.approval.person == "miriam-albers"
    use(ws, keys, "kaya", pdf=False)
    r = sign_off(ws, SAMPLE_FS, "lag-sprecher")
    assert r.status.complete
    assert all(role.check.authenticated for role in r.status.roles)  # type: ignore[union-attr]
    _code, out = run(ws, "signoff", "status", SAMPLE_FS)
    assert "Leitung der Landesfachstelle: gültig – Dr. Miriam Albers" in out
    assert "(signiert, geprüft)" in out and "nicht authentifiziert" not in out


def test_key_not_on_the_list_is_refused(sample_ws: Workspace, keys: Keys) -> None:
    use(sample_ws, keys, "mallory", pdf=False)
    code, out = run(sample_ws, "signoff", SAMPLE_FS, "--as", "leitung")
    assert code == 7
    assert "Ihr Signaturschlüssel gehört laut Liste der zugelassenen Schlüssel zu keiner" in out
    assert "lafast/" not in git(sample_ws, "tag", "-l", "lafast/*/freigabe/*")


def test_right_key_wrong_role_is_refused(sample_ws: Workspace, keys: Keys) -> None:
    use(sample_ws, keys, "kaya", pdf=False)  # Selin Kaya is LAG speaker, not Leitung
    with pytest.raises(SignoffError, match="keiner Person mit der Rolle „Leitung"):
        sign_off(sample_ws, SAMPLE_FS, "leitung")


def _forge(ws: Workspace, keys: Keys, *, claim: str, signer: str | None, role: str) -> str:
    """A tag written by hand with git, claiming `claim` approved; signed by `signer`'s key."""
    from lafast_docs.release.signoff import content_hash, content_parts

    head = ws.store.resolve("HEAD")
    parts = content_parts(ws, SAMPLE_FS, head)
    record = {
        "lafast_freigabe": 1,
        "dokument": SAMPLE_FS,
        "rolle": role,
        "person": claim,
        "name": ws.config.person(claim).name,  # type: ignore[union-attr]
        "commit": head,
        "version": "0.3",
        "hash": content_hash(parts),
        "teile": parts,
        "datum": "2026-11-20T10:00:00+01:00",
        "notiz": "",
    }
    name = f"lafast/{SAMPLE_FS}/freigabe/{record['hash'][:12]}/{role}"
    sign = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={keys.key(signer)}"] if signer else []
    git(
        ws,
        *sign,
        "-c",
        f"user.name={record['name']}",  # a spoofed git identity must not matter
        "tag",
        "-s" if signer else "-a",
        name,
        head,
        "-m",
        "Freigabe\n\n" + json.dumps(record),
    )
    return name


@pytest.mark.parametrize(
    ("signer", "expected"),
    [
        (None, "Die Freigabe ist nicht signiert"),
        ("mallory", "Die Signatur gehört nicht zu einem zugelassenen Schlüssel von Dr. Miriam"),
        ("kaya", "Die Signatur gehört nicht zu einem zugelassenen Schlüssel von Dr. Miriam"),
    ],
)
def test_spoofed_approvals_are_refused(
    sample_ws: Workspace, keys: Keys, signer: str | None, expected: str
) -> None:
    use(sample_ws, keys, "albers", pdf=False)
    _forge(sample_ws, keys, claim="miriam-albers", signer=signer, role="leitung")
    st = signoff_status(sample_ws, SAMPLE_FS)
    leitung = st.roles[0]
    assert leitung.check is not None and not leitung.valid
    assert leitung.check.reasons[0].startswith(expected)
    _code, out = run(sample_ws, "signoff", "status", SAMPLE_FS)
    assert "Leitung der Landesfachstelle: UNGÜLTIG – Dr. Miriam Albers" in out


def test_policy_without_local_list_says_what_to_do(sample_ws: Workspace) -> None:
    code, out = run(sample_ws, "signoff", SAMPLE_FS, "--as", "leitung")
    assert code == 7
    assert "Freigaben müssen signiert sein (lafast.yaml: signing: git: ssh)" in out
    assert "allowed_signers" in out


def test_allowed_signers_inside_the_workspace_is_refused(sample_ws: Workspace, keys: Keys) -> None:
    inside = sample_ws.root / "allowed_signers"
    inside.write_text(keys.allowed.read_text())
    local = sample_ws.store.git_dir() / "lafast-local.yaml"
    local.write_text(f"# lokal\ngit:\n  allowed_signers: {inside}\n")
    with pytest.raises(ConfigError) as exc:
        signoff_status(sample_ws, SAMPLE_FS)
    assert exc.value.problems[0].line == 3
    assert "liegt im Arbeitsbereich" in exc.value.problems[0].message


def test_signing_policy_is_validated_with_line_numbers(ws: Workspace) -> None:
    path = ws.root / "lafast.yaml"
    path.write_text(
        path.read_text("utf-8") + "signing:\n  git: gpg\n  pdf: vielleicht\n  allowed_signers: x\n"
    )
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    found = {(p.line, p.message.split(":")[0]) for p in exc.value.problems}
    lines = path.read_text().splitlines()
    assert len(found) == 3
    assert {p.line for p in exc.value.problems} == {
        lines.index("  git: gpg") + 1,
        lines.index("  pdf: vielleicht") + 1,
        lines.index("  allowed_signers: x") + 1,
    }


# -- OpenPGP ------------------------------------------------------------------------------------
@pytest.fixture
def gpg(tmp_path: Path):  # type: ignore[no-untyped-def]
    from tests.keys import gpg_keys, stop_gpg_agent

    home = tmp_path / "g"
    fprs = gpg_keys(home, ["albers", "mallory"])
    allowed = tmp_path / "openpgp_signers"
    allowed.write_text(f"miriam-albers {fprs['albers']}\n")
    yield home, fprs, allowed
    stop_gpg_agent(home)


def use_gpg(ws: Workspace, gpg, signer: str) -> None:  # type: ignore[no-untyped-def]
    from lafast_docs.release.keyring import write_local

    home, fprs, allowed = gpg
    write_local(
        ws,
        f"git:\n  format: openpgp\n  allowed_signers: {allowed}\n  key: {fprs[signer]}\n"
        f"  gnupghome: {home}\n",
    )


def test_openpgp_signed_approval(sample_ws: Workspace, gpg) -> None:  # type: ignore[no-untyped-def]
    ws = unsigned(sample_ws)  # no policy: the local list alone switches signing on
    use_gpg(ws, gpg, "albers")
    r = sign_off(ws, SAMPLE_SN, "leitung")
    assert r.authenticated and r.status.complete
    assert r.status.roles[0].check.authenticated  # type: ignore[union-attr]


def test_openpgp_key_not_on_the_list_is_refused(sample_ws: Workspace, gpg) -> None:  # type: ignore[no-untyped-def]
    ws = unsigned(sample_ws)
    use_gpg(ws, gpg, "mallory")  # a good signature, but not Miriam Albers' key
    with pytest.raises(SignoffError, match="keiner Person mit der Rolle"):
        sign_off(ws, SAMPLE_SN, "leitung", person="miriam-albers")
    home, fprs, _allowed = gpg
    # forged by hand: mallory signs a record that claims Miriam Albers
    path = ws.store.git_dir() / "lafast-local.yaml"
    use_gpg(ws, gpg, "albers")
    sign_off(ws, SAMPLE_SN, "leitung")
    tag = git(ws, "tag", "-l", "lafast/*/freigabe/*").split()[0]
    body = git(ws, "for-each-ref", "--format=%(contents:body)", f"refs/tags/{tag}")
    git(ws, "tag", "-d", tag)
    import os
    import subprocess

    subprocess.run(
        [
            "git",
            "-C",
            str(ws.root),
            "-c",
            "gpg.format=openpgp",
            "-c",
            f"user.signingkey={fprs['mallory']}",
            "tag",
            "-s",
            tag,
            "HEAD",
            "-m",
            "Freigabe\n\n" + body,
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "GNUPGHOME": str(home)},
    )
    assert path.is_file()
    check = signoff_status(ws, SAMPLE_SN).roles[0].check
    assert check is not None and not check.valid
    assert check.reasons[0].startswith("Die Signatur gehört nicht zu einem zugelassenen Schlüssel")


def test_roles_pinned_on_this_machine_beat_a_commit_to_lafast_yaml(
    sample_ws: Workspace, keys: Keys
) -> None:
    """Selin Kaya's key is on the list (as LAG speaker). She gives herself the role Leitung by
    a commit to lafast.yaml and signs as Leitung: without pinned roles git's check passes; the
    roles pinned in the local file refuse it."""
    ws = sample_ws
    path = ws.root / "lafast.yaml"
    text = path.read_text("utf-8")
    path.write_text(text.replace("roles: [lag-sprecher]", "roles: [lag-sprecher, leitung]"))
    ws.config = load_config(path)
    ws.store.commit([path], "Rollen ergänzt")
    use(ws, keys, "kaya", pdf=False)
    r = sign_off(ws, SAMPLE_FS, "leitung", person="selin-kaya")
    assert r.authenticated  # the hole: a valid key plus a self-given role

    from lafast_docs.release.keyring import local_path

    local = local_path(ws)
    local.write_text(
        local.read_text("utf-8")
        + "  roles:\n    leitung: [miriam-albers]\n    lag-sprecher: [selin-kaya]\n",
        "utf-8",
    )
    st = signoff_status(ws, SAMPLE_FS)
    leitung = next(x for x in st.roles if x.role == "leitung")
    assert not leitung.valid
    assert "darf selin-kaya nicht als „leitung“ freigeben" in leitung.check.reasons[0]  # type: ignore[union-attr]
    with pytest.raises(SignoffError, match="zugelassen: miriam-albers"):
        sign_off(ws, SAMPLE_FS, "leitung", person="selin-kaya")
    git(ws, "tag", "-d", r.approval.tag)  # the office removes the void approval
    use(ws, keys, "albers", pdf=False)
    local.write_text(local.read_text("utf-8") + "  roles:\n    leitung: [miriam-albers]\n", "utf-8")
    assert sign_off(ws, SAMPLE_FS, "leitung").authenticated
