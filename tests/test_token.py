"""The office seal on a PKCS#11 token: SoftHSM2 (a real PKCS#11 implementation), set up by the
test in its own SOFTHSM2_CONF folder; key imported with softhsm2-util, certificate with
python-pkcs11, signatures made through pyHanko's PKCS#11 signer."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from lafast_docs.errors import SigningError
from lafast_docs.office.doctor import NOTE, _signing_pdf
from lafast_docs.release.keyring import Keyring, Token, load_keyring, local_path
from lafast_docs.release.officeca import root_certificate, seal_certificate
from lafast_docs.release.seal import setup_seal
from lafast_docs.release.signing import sign_detached, sign_pdf_bytes
from lafast_docs.release.trust import Anchors, check_detached, check_pdf, fingerprint, load_cert
from lafast_docs.workspace.create import init_workspace
from tests.checkers import tool
from tests.conftest import SAMPLE_SN, copy_samples
from tests.pki import blank_pdf

MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
PIN_ENV, PIN = "LAFAST_TEST_TOKEN_PIN", "4711"


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory) -> tuple[Token, Path]:
    """A token "lafast" holding the seal's EC key and certificate (label "siegel")."""
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n")
    mp = pytest.MonkeyPatch()
    mp.setenv("SOFTHSM2_CONF", str(conf))
    util = tool("softhsm2-util")
    subprocess.run(
        [util, "--init-token", "--free", "--label", "lafast", "--so-pin", "12345678",
         "--pin", PIN],
        check=True, capture_output=True,
    )  # fmt: skip
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = root_certificate("Testfachstelle", root_key, days=3650, label="Test-Wurzel")
    key = ec.generate_private_key(ec.SECP256R1())
    cert = seal_certificate("Testfachstelle", key.public_key(), root, root_key, days=365)
    pem = folder / "schluessel.pem"  # only until it is on the token
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    subprocess.run(
        [util, "--import", str(pem), "--token", "lafast", "--label", "siegel", "--id", "01",
         "--pin", PIN],
        check=True, capture_output=True,
    )  # fmt: skip
    pem.unlink()
    _store_certificate(cert.public_bytes(serialization.Encoding.DER))
    root_pem = folder / "wurzel.pem"
    root_pem.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    yield Token(MODULE, "lafast", "siegel", PIN_ENV), root_pem
    mp.undo()


def _store_certificate(der: bytes) -> None:
    import pkcs11
    from cryptography import x509
    from pkcs11 import Attribute, CertificateType, ObjectClass

    cert = x509.load_der_x509_certificate(der)
    token = pkcs11.lib(str(MODULE)).get_token(token_label="lafast")
    with token.open(rw=True, user_pin=PIN) as session:
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: "siegel",
                Attribute.ID: b"\x01",
                Attribute.SUBJECT: cert.subject.public_bytes(),
                Attribute.VALUE: der,
            }
        )


@pytest.fixture(autouse=True)
def pin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PIN_ENV, PIN)


def test_pdf_and_checksum_list_signed_on_the_token(token) -> None:
    tok, root = token
    ring = Keyring(None, pkcs11=tok, trust_roots=(root,))
    data = sign_pdf_bytes(blank_pdf(), ring, reason="Freigegeben")
    pinned = Anchors(pins=(fingerprint(load_cert(root)),))  # the root travels in the signature
    result = check_pdf(data, pinned)
    assert result.proven, result.problems
    assert "Testfachstelle – Siegel" in result.approval.signer
    sums = b"0" * 64 + b"  stellungnahme.pdf\n"
    assert check_detached(sums, sign_detached(sums, ring), pinned, name="SHA256SUMS").trusted


def test_wrong_pin_or_label_is_named(token) -> None:
    wrong_pin = Keyring(None, pkcs11=Token(MODULE, "lafast", "siegel", "LAFAST_TEST_FALSCH"))
    # no variable and no terminal to ask at (a terminal would be asked, secret.py)
    with pytest.raises(SigningError, match="PIN des Tokens „lafast“: die Umgebungsvariable"):
        sign_pdf_bytes(blank_pdf(), wrong_pin, reason="x")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LAFAST_TEST_FALSCH", "0000")
        with pytest.raises(SigningError, match="Der Token „lafast“ lässt sich nicht öffnen"):
            sign_pdf_bytes(blank_pdf(), wrong_pin, reason="x")
    wrong_label = Keyring(None, pkcs11=Token(MODULE, "lafast", "stempel", PIN_ENV))
    with pytest.raises(SigningError, match="fehlt der Schlüssel oder das Zertifikat „stempel“"):
        sign_pdf_bytes(blank_pdf(), wrong_label, reason="x")


def test_seal_command_sets_up_the_token(token, tmp_path) -> None:
    tok, root = token
    ws = copy_samples(init_workspace(tmp_path / "ws"), SAMPLE_SN)
    r = setup_seal(ws, token=tok, trust_roots=(root,))
    assert r.anchor == root and r.subject.startswith("CN=Testfachstelle – Siegel")
    ring = load_keyring(ws)
    assert ring.pkcs11 == tok and ring.pkcs12 is None and ring.has_seal
    assert "pin_env: LAFAST_TEST_TOKEN_PIN" in local_path(ws).read_text()
    assert PIN not in local_path(ws).read_text()
    finding = _signing_pdf(ws)  # no time-stamping service configured: a note
    assert finding.status == NOTE and "Token „lafast“, Schlüssel „siegel“" in finding.detail
