"""`lafast signing setup | seal | ca`: from nothing to a signed, time-stamped, published PDF.

Real ssh-keygen keys under a temporary HOME, real PKCS#12 files, the office's own CA, and a real
time-stamping service (certomancer's Animator on 127.0.0.1, tests/pki.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.serialization import pkcs12

from lafast_docs.errors import ConfigError, SignerSetupError, SigningError
from lafast_docs.office.doctor import ERROR, NOTE, OK, _signing_git, _signing_pdf
from lafast_docs.release.enrol import setup_signer
from lafast_docs.release.keyring import load_keyring, local_path
from lafast_docs.release.officeca import write_pkcs12
from lafast_docs.release.seal import check_pkcs12, setup_office_ca, setup_seal
from lafast_docs.release.signing import make_authority, sign_pdf_bytes
from lafast_docs.release.trust import Anchors, check_pdf, fingerprint, load_cert
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.create import init_workspace
from tests.conftest import REPO, SAMPLE_SN, copy_samples
from tests.pki import blank_pdf
from tests.test_cli import _Main

SEAL_PW, ROOT_PW = "LAFAST_TEST_SIEGEL", "LAFAST_TEST_WURZEL"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh HOME: `~/.ssh/lafast` is made there, never in the real one."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv(SEAL_PW, "siegel-geheim")
    monkeypatch.setenv(ROOT_PW, "wurzel-geheim")
    return home


@pytest.fixture
def demo_ws(tmp_path: Path) -> Workspace:
    return copy_samples(init_workspace(tmp_path / "ws"), SAMPLE_SN)


def run(ws: Workspace, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(_Main(), ["--workspace", str(ws.root), *args])
    return result.exit_code, result.output


# -- the signer ------------------------------------------------------------------------------


def test_setup_makes_key_lists_it_and_writes_checked_settings(demo_ws, tmp_path, home) -> None:
    ws = demo_ws
    listed = tmp_path / "etc" / "lafast" / "allowed_signers"  # the folder does not exist yet
    r = setup_signer(ws, person="miriam-albers", allowed_signers=listed, add_to_list=True)
    key = home / ".ssh" / "lafast"
    assert r.created_key and key.is_file() and r.key == str(key)
    assert r.added_to_list and listed.read_text().splitlines() == [r.line]
    assert r.line.startswith('miriam-albers namespaces="git" ssh-ed25519 AAAA')
    assert r.pinned_roles == {"leitung": ["miriam-albers"], "lag-sprecher": ["selin-kaya"]}
    ring = load_keyring(ws)
    assert (ring.person, ring.signing_key, ring.allowed_signers) == (
        "miriam-albers",
        str(key),
        listed,
    )
    assert ring.roles == {"leitung": ("miriam-albers",), "lag-sprecher": ("selin-kaya",)}
    assert _signing_git(ws).status == OK
    # again: nothing new, nothing twice
    again = setup_signer(ws, person="miriam-albers")
    assert not again.created_key and again.already_listed and not again.added_to_list
    assert listed.read_text().splitlines() == [r.line]
    assert again.pinned_roles == {}  # pinned once, never silently re-read from lafast.yaml


def test_colleague_without_list_access_gets_the_line(demo_ws, tmp_path) -> None:
    ws = demo_ws
    r = setup_signer(ws, person="selin-kaya", allowed_signers=tmp_path / "fehlt" / "liste")
    assert not r.added_to_list and r.allowed_signers is None
    assert r.line.startswith('selin-kaya namespaces="git" ssh-ed25519 ')
    assert "allowed_signers" not in local_path(ws).read_text()  # a missing file would not load
    finding = _signing_git(ws)  # lafast.yaml asks for signed approvals: the list is needed
    assert finding.status == ERROR and "signing setup --allowed-signers" in finding.fix


def test_doctor_spares_colleagues_without_a_signing_role(demo_ws, tmp_path) -> None:
    ws = demo_ws
    listed = tmp_path / "liste"
    setup_signer(ws, person="miriam-albers", allowed_signers=listed, add_to_list=True)
    assert _signing_pdf(ws).status == ERROR  # lafast.yaml asks for signed PDFs; she signs
    local = local_path(ws)
    local.write_text(
        local.read_text().replace("person: miriam-albers", "person: jonas-petzold"), "utf-8"
    )
    local.write_text(re.sub(r"\n  key: .*", "", local.read_text()), "utf-8")
    git, pdf = _signing_git(ws), _signing_pdf(ws)
    assert git.status == OK and "keine Freigaberolle" in git.detail, git
    assert pdf.status == OK and "nicht nötig" in pdf.detail, pdf


def test_refusals_write_nothing(demo_ws, tmp_path, home) -> None:
    ws = demo_ws
    with pytest.raises(SignerSetupError, match="„niemand“ ist keine Personenkennung"):
        setup_signer(ws, person="niemand")
    assert not local_path(ws).exists() and not (home / ".ssh").exists()
    with pytest.raises(SignerSetupError, match="läge im Arbeitsbereich"):
        setup_signer(ws, person="miriam-albers", key=str(ws.root / "schluessel"))
    assert not local_path(ws).exists() and not (ws.root / "schluessel").exists()
    # a key already listed for somebody else is not listed twice
    listed = tmp_path / "liste"
    setup_signer(ws, person="miriam-albers", allowed_signers=listed, add_to_list=True)
    before_list, before_local = listed.read_text(), local_path(ws).read_text()
    with pytest.raises(SignerSetupError, match="schon für „miriam-albers“"):
        setup_signer(ws, person="selin-kaya", add_to_list=True)
    assert listed.read_text() == before_list and local_path(ws).read_text() == before_local


def test_broken_settings_are_put_back(demo_ws, tmp_path) -> None:
    ws = demo_ws
    local_path(ws).write_text("git:\n  farbe: rot\n", "utf-8")
    with pytest.raises(ConfigError):
        setup_signer(ws, person="miriam-albers")
    assert local_path(ws).read_text() == "git:\n  farbe: rot\n"


def test_cli_setup_message_and_exit_codes(demo_ws, tmp_path) -> None:
    code, out = run(demo_ws, "signing", "setup", "--person", "niemand")
    assert code == 7, out
    assert "Fehler: „niemand“ ist keine Personenkennung aus lafast.yaml." in out
    assert "Personenkennungen: miriam-albers, jonas-petzold, selin-kaya." in out
    listed = tmp_path / "liste"
    code, out = run(
        demo_ws, "signing", "setup", "--person", "miriam-albers",
        "--allowed-signers", str(listed), "--add-to-list",
    )  # fmt: skip
    assert code == 0, out
    assert "Dr. Miriam Albers: Schlüssel " in out and "neu angelegt." in out
    assert f"In die Liste der zugelassenen Schlüssel eingetragen: {listed}" in out
    assert "ok       Signierte Freigaben: ssh" in out
    code, out = run(demo_ws, "signing", "setup")  # no terminal: no prompt
    assert code == 7 and "Es fehlt „--person KENNUNG“." in out


def test_prompts_at_a_terminal(demo_ws, tmp_path, home) -> None:
    """At a terminal (a real pty from util-linux's `script`), the command asks in German."""
    listed = tmp_path / "etc" / "allowed_signers"
    answers = f"selin-kaya\n\n{listed}\nja\n"
    cmd = f"{sys.executable} -m lafast_docs --workspace {demo_ws.root} signing setup"
    out = subprocess.run(
        ["script", "-qec", cmd, "/dev/null"],
        input=answers,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "HOME": str(home)},
        timeout=120,
    ).stdout
    assert "Ihre Personenkennung:" in out
    assert "Vorhandenen SSH-Schlüssel verwenden?" in out
    assert "Wo liegt die Liste der zugelassenen Schlüssel? [/etc/lafast/allowed_signers]" in out
    assert "Pflegen Sie diese Liste selbst (Ihren Eintrag jetzt hinzufügen)? ja/nein" in out
    assert f"In die Liste der zugelassenen Schlüssel eingetragen: {listed}" in out
    assert listed.read_text().startswith('selin-kaya namespaces="git" ssh-ed25519 ')
    assert load_keyring(demo_ws).person == "selin-kaya"


# -- the seal --------------------------------------------------------------------------------


def test_seal_from_a_pkcs12_file_is_checked(demo_ws, tmp_path, monkeypatch) -> None:
    ws = demo_ws
    authority = make_authority(tmp_path / "ca", organisation="Testfachstelle", password="pw")
    monkeypatch.setenv("SIEGEL_PW", "falsch")
    with pytest.raises(SigningError, match="lässt sich nicht öffnen"):
        setup_seal(ws, pkcs12=authority.pkcs12, password_env="SIEGEL_PW")
    assert not local_path(ws).exists()
    monkeypatch.setenv("SIEGEL_PW", "pw")
    other = make_authority(tmp_path / "andere", organisation="Andere", password="")
    bare = tmp_path / "ohne-kette.p12"  # the seal alone, without its root
    key, cert, _chain = pkcs12.load_key_and_certificates(authority.pkcs12.read_bytes(), b"pw")
    write_pkcs12(bare, key, cert, [], "pw")
    with pytest.raises(SigningError, match="führt zu keiner bekannten Zertifizierungsstelle"):
        check_pkcs12(bare, "pw", [other.ca_cert])
    assert check_pkcs12(bare, "pw", [other.ca_cert, authority.ca_cert]).anchor == authority.ca_cert
    r = setup_seal(
        ws, pkcs12=authority.pkcs12, password_env="SIEGEL_PW", trust_roots=(authority.ca_cert,)
    )
    assert r.anchor == authority.ca_cert and r.subject.startswith("CN=Testfachstelle – Siegel")
    assert r.anchor_fingerprint == fingerprint(load_cert(authority.ca_cert))
    ring = load_keyring(ws)
    assert ring.pkcs12 == authority.pkcs12 and ring.trust_roots == (authority.ca_cert,)
    assert _signing_pdf(ws).status == NOTE  # no time-stamping service: works until it ends


def test_seal_password_is_asked_at_a_terminal_and_never_echoed(demo_ws, tmp_path) -> None:
    """No variable named: at a terminal (a real pty, pexpect) the password is asked for with
    echo off; a wrong one enters nothing; in a pipe the file is refused as before."""
    import pexpect

    authority = make_authority(tmp_path / "ca", organisation="Testfachstelle", password="Ä-pw 1")
    env = {k: v for k, v in os.environ.items() if k not in (SEAL_PW, ROOT_PW)}
    env["PYTHONPATH"] = str(REPO)
    args = ["-m", "lafast_docs", "--workspace", str(demo_ws.root), "signing", "seal"]
    args += ["--pkcs12", str(authority.pkcs12)]
    child = pexpect.spawn(sys.executable, args, env=env, encoding="utf-8", timeout=60)
    child.expect(f"Kennwort des Siegels {authority.pkcs12.name} \\(Eingabe wird nicht angezeigt")
    child.sendline("falsch")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus != 0 and "lässt sich nicht öffnen" in child.before
    assert not local_path(demo_ws).exists()  # nothing entered after a wrong password
    child = pexpect.spawn(sys.executable, args, env=env, encoding="utf-8", timeout=60)
    child.expect("Eingabe wird nicht angezeigt\\): ")
    child.sendline("Ä-pw 1")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert "Ä-pw 1" not in child.before  # echo was off
    assert "Testfachstelle – Siegel" in child.before
    assert load_keyring(demo_ws).pkcs12 == authority.pkcs12
    piped = subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )  # no terminal: the file still opens only with a password, so it is refused as before
    assert piped.returncode != 0 and "lässt sich nicht öffnen" in piped.stderr
    # a file that opens without a password but fails another check: no password is asked
    other = make_authority(tmp_path / "andere", organisation="Andere", password="")
    key, cert, _chain = pkcs12.load_key_and_certificates(other.pkcs12.read_bytes(), None)
    bare = tmp_path / "ohne-kennwort.p12"
    write_pkcs12(bare, key, cert, [], "")
    child = pexpect.spawn(sys.executable, [*args[:-1], str(bare)], env=env, encoding="utf-8")
    child.expect(pexpect.EOF, timeout=60)
    child.close()
    assert child.exitstatus != 0 and "Kennwort" not in child.before
    assert "keiner bekannten Zertifizierungsstelle" in child.before


def test_unreachable_timestamp_service_is_not_entered(demo_ws, tmp_path) -> None:
    from lafast_docs.errors import TimestampError
    from tests.conftest import free_port

    with pytest.raises(TimestampError, match="antwortet nicht wie erwartet"):
        setup_seal(demo_ws, timestamp_url=f"http://127.0.0.1:{free_port()}/tsr")
    assert not local_path(demo_ws).exists()


def test_own_ca_created_labelled_and_renewed_without_breaking_signed_files(
    demo_ws, tmp_path
) -> None:
    ws = demo_ws
    folder = tmp_path / "lafast-ca"
    r = setup_office_ca(ws, folder, password_env=SEAL_PW, root_password_env=ROOT_PW)
    assert r.ca is not None and r.ca.created
    root = load_cert(folder / "wurzel.pem")
    assert "eigene Zertifizierungsstelle (lafast)" in root.subject.human_friendly
    assert (
        (folder / "wurzel-schluessel.pem")
        .read_text()
        .startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    )
    assert "USB-Stick" in (folder / "LIESMICH.txt").read_text()
    assert r.anchor_fingerprint == fingerprint(root)
    old_signed = sign_pdf_bytes(blank_pdf(), load_keyring(ws), reason="Freigegeben")
    renewed = setup_office_ca(ws, folder, password_env=SEAL_PW, root_password_env=ROOT_PW)
    assert renewed.ca is not None and not renewed.ca.created
    assert renewed.ca.retired is not None and renewed.ca.retired.is_file()
    assert load_cert(folder / "wurzel.pem").dump() == root.dump()  # the same anchor
    new_signed = sign_pdf_bytes(blank_pdf(), load_keyring(ws), reason="Freigegeben")
    pin = Anchors(pins=(fingerprint(root),))
    for data in (old_signed, new_signed):
        assert check_pdf(data, pin).proven
    signers = {check_pdf(d, pin).approval.signer for d in (old_signed, new_signed)}
    assert len(signers) == 1  # same name, different certificates
    # renewal needs the root key: without it nothing changes
    (folder / "wurzel-schluessel.pem").rename(tmp_path / "usb-stick.pem")
    seal_before = (folder / "siegel.p12").read_bytes()
    with pytest.raises(SigningError, match="fehlt der Schlüssel der Wurzel"):
        setup_office_ca(ws, folder, password_env=SEAL_PW, root_password_env=ROOT_PW)
    assert (folder / "siegel.p12").read_bytes() == seal_before


# -- the whole path of a new colleague -------------------------------------------------------


def test_new_colleague_from_nothing_to_a_time_stamped_published_pdf(demo_ws, tmp_path, pki) -> None:
    """README, „Signatur einrichten“, with the non-interactive options only."""
    ws, listed, ca = demo_ws, tmp_path / "etc" / "allowed_signers", tmp_path / "lafast-ca"
    steps = [
        ("signing", "setup", "--person", "miriam-albers", "--allowed-signers", str(listed),
         "--add-to-list"),
        ("signing", "seal", "--timestamp-url", pki.tsa_url, "--trust-root", str(pki.root_pem)),
        ("signing", "ca", str(ca), "--password-env", SEAL_PW, "--root-password-env", ROOT_PW),
        ("signoff", SAMPLE_SN, "--as", "leitung"),
        ("render", SAMPLE_SN, "--final", "--format", "pdf"),
        ("publish", SAMPLE_SN, "--site", str(tmp_path / "website")),
    ]  # fmt: skip
    outputs = []
    for step in steps:
        code, out = run(ws, *step)
        assert code == 0, (step, out)
        outputs.append(out)
    assert "Zeitstempeldienst: " + pki.tsa_url + " (antwortet)" in outputs[1]
    printed = re.search(r"Fingerabdruck \(im Impressum veröffentlichen\): (SHA256:\S+)", outputs[2])
    assert printed is not None
    assert "Alles bereit." in outputs[2]
    pdf = next((tmp_path / "website").rglob("*.pdf"))
    code, out = run(ws, "verify", str(pdf), "--trust", printed[1])
    assert code == 0, out
    assert "(Zeitstempel, mit Prüfdaten)" in out
    assert "Ergebnis: echt – die Datei ist die freigegebene Fassung." in out
    index = (tmp_path / "website" / "index.html").read_text("utf-8")
    assert f"SHA-256-Fingerabdruck <code>{printed[1]}</code>" in index
    published = (tmp_path / "website" / "zertifikat.pem").read_bytes()
    assert published == (ca / "wurzel.pem").read_bytes()
