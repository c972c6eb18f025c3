"""Sign-off binds the approved commit, and only the keyholder (issue 13, section 2).

Real git repositories, real SSH-signed tags (ssh-keygen), a real PAdES signature; the final
version is read back as text (pypdf, HTML) and checked by poppler's `pdfsig`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from lafast_docs.errors import SignoffError
from lafast_docs.release.final import FINAL_DIR, render_final
from lafast_docs.release.keyring import local_path
from lafast_docs.release.signoff import sign_off, signoff_status
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.config import load_config
from tests.conftest import SAMPLE_FS, SAMPLE_SN, git, pdf_text
from tests.keys import PASSWORD_ENV, make_keys, use

SMUGGLED = "EINGESCHMUGGELT: Betreuungsschlüssel 1:200"


def _smuggle(ws: Workspace, flag: str) -> Path:
    """Approved and saved; then the text is changed in the working tree only, with git told
    not to look (`--skip-worktree` / `--assume-unchanged`), or simply left unsaved."""
    path = ws.drafts_dir / SAMPLE_SN / "document.md"
    if flag:
        git(ws, "update-index", flag, f"drafts/{SAMPLE_SN}/document.md")
    path.write_text(path.read_text("utf-8") + f"\n{SMUGGLED}\n", "utf-8")
    return path


def _approved(ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """The Stellungnahme signed off by the Leitung with her SSH key; PDFs get signed."""
    monkeypatch.setenv(PASSWORD_ENV, "geheim")
    keys = make_keys(tmp_path / "schluessel", allowed={"miriam-albers": "albers"})
    use(ws, keys, "albers")
    sign_off(ws, SAMPLE_SN, "leitung")
    return ws


@pytest.mark.parametrize("flag", ["--skip-worktree", "--assume-unchanged"])
def test_final_is_rendered_from_the_approved_commit_not_the_working_tree(
    sample_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flag: str
) -> None:
    ws = _approved(sample_ws, tmp_path, monkeypatch)
    edited = _smuggle(ws, flag)
    result = render_final(ws, SAMPLE_SN, formats=("pdf", "html"))
    pdf = next(o.path for o in result.outputs if o.format == "pdf")
    html = next(o.path for o in result.outputs if o.format == "html")
    text = " ".join(pdf_text(pdf).split())
    assert "Stellungnahme" in text and SMUGGLED not in text
    assert SMUGGLED not in html.read_text("utf-8")
    assert SMUGGLED not in " ".join(o.path.read_bytes().decode("latin-1") for o in result.outputs)
    assert SMUGGLED in edited.read_text("utf-8")  # the person's own edit is kept, not lost
    out = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True).stdout
    assert "Signature Validation: Signature is Valid." in out and "Total document signed" in out
    # no snapshot left behind in the workspace
    assert not list(ws.root.rglob("lafast-fassung-*"))


def test_unsaved_edit_refuses_and_writes_nothing(
    sample_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = _approved(sample_ws, tmp_path, monkeypatch)
    _smuggle(ws, "")
    with pytest.raises(SignoffError) as info:
        render_final(ws, SAMPLE_SN, formats=("html",))
    assert "ungespeicherte Änderungen" in info.value.render()
    assert not (ws.build_dir / SAMPLE_SN / FINAL_DIR).exists()


ALBERS, KAYA = "m.albers@lafast.example.org", "kaya@lag-fsa-msa.example.org"


def _email_principals(ws: Workspace, tmp_path: Path, signer: str):  # type: ignore[no-untyped-def]
    """The allowed-signers list names people by e-mail; the local file pins whose it is."""
    keys = make_keys(tmp_path / "schluessel", allowed={ALBERS: "albers", KAYA: "kaya"})
    use(ws, keys, signer, pdf=False)
    local = local_path(ws)
    local.write_text(
        local.read_text("utf-8")
        + f"  principals:\n    miriam-albers: [{ALBERS}]\n    selin-kaya: [{KAYA}]\n",
        "utf-8",
    )
    return keys


def test_email_in_lafast_yaml_cannot_hand_a_role_to_another_key(
    sample_ws: Workspace, tmp_path: Path
) -> None:
    """Selin Kaya (LAG speaker, own key on the list as kaya@…) commits lafast.yaml with Miriam
    Albers' e-mail set to her own address and signs off as Leitung."""
    ws = sample_ws
    keys = _email_principals(ws, tmp_path, "kaya")
    path = ws.root / "lafast.yaml"
    path.write_text(path.read_text("utf-8").replace(f'"{ALBERS}"', f'"{KAYA}"'), "utf-8")
    ws.config = load_config(path)
    assert ws.config.person("miriam-albers").email == KAYA  # type: ignore[union-attr]
    ws.store.commit([path], "Kontaktdaten aktualisiert")
    tags = git(ws, "tag", "-l")
    with pytest.raises(SignoffError) as info:
        sign_off(ws, SAMPLE_FS, "leitung")
    assert info.value.message.startswith(
        "Ihr Signaturschlüssel gehört laut Liste der zugelassenen Schlüssel zu keiner Person "
        "mit der Rolle „Leitung der Landesfachstelle“"
    )
    assert git(ws, "tag", "-l") == tags  # nothing stored
    # a tag made by hand with her key, claiming Miriam Albers, does not count either
    from tests.test_signoff import _forge

    _forge(ws, keys, claim="miriam-albers", signer="kaya", role="leitung")
    leitung = signoff_status(ws, SAMPLE_FS).roles[0]
    assert leitung.check is not None and not leitung.valid
    assert leitung.check.reasons[-1].startswith(
        "Die Signatur gehört nicht zu einem zugelassenen Schlüssel von Dr. Miriam Albers"
    )


def test_pinned_email_principal_lets_the_keyholder_approve(
    sample_ws: Workspace, tmp_path: Path
) -> None:
    ws = sample_ws
    _email_principals(ws, tmp_path, "albers")
    r = sign_off(ws, SAMPLE_FS, "leitung")
    assert r.authenticated and r.approval.person == "miriam-albers"
    # without the pin the e-mail in lafast.yaml no longer makes the key hers
    local = local_path(ws)
    text = local.read_text("utf-8")
    local.write_text(text[: text.index("  principals:")], "utf-8")
    leitung = signoff_status(ws, SAMPLE_FS).roles[0]
    assert leitung.check is not None and not leitung.valid
