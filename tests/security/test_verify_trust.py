"""`lafast verify` says "echt" only when it can prove it (issue 13, section 1).

A real chain: SSH-signed approval, a final PDF signed (PAdES, pyHanko) with a certificate of a
self-made CA, a published site with a signed checksum list. Every forgery is made with real
tools (pyHanko incremental updates, a second certificate authority, rewritten lists) and checked
through the `lafast verify` command, outside the workspace as a website reader would, with its
exact German reason and exit code; poppler's `pdfsig` and `openssl cms` look from outside.
Each case also asserts that verify wrote nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from lafast_docs.release.keyring import Keyring
from lafast_docs.release.publish import publish
from lafast_docs.release.signing import Authority, make_authority, sign_detached, sign_pdf
from lafast_docs.release.signoff import sign_off
from lafast_docs.release.trust import fingerprint, load_cert, show_fingerprint
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.create import init_workspace
from tests.conftest import GIT_ENV, SAMPLE_SN, copy_samples
from tests.keys import PASSWORD_ENV, Keys, make_keys, use
from tests.test_cli import _Main


@dataclass
class Site:
    ws: Workspace
    keys: Keys
    site: Path
    pdf: Path  # published, signed
    html: Path
    forger: Authority  # another, self-made certificate authority
    outside: Path  # a folder that is no workspace (a reader's Downloads)

    @property
    def ca(self) -> Path:
        return self.keys.authority.ca_cert


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Site:
    mp = pytest.MonkeyPatch()
    for key, value in {**GIT_ENV, PASSWORD_ENV: "geheim"}.items():
        mp.setenv(key, value)
    root = tmp_path_factory.mktemp("vertrauen")
    ws = copy_samples(init_workspace(root / "ws"), SAMPLE_SN)
    keys = make_keys(root / "schluessel", allowed={"miriam-albers": "albers"})
    use(ws, keys, "albers")
    sign_off(ws, SAMPLE_SN, "leitung")
    published = publish(ws, SAMPLE_SN, root / "website")
    pdf = next(p for p in published.files if p.suffix == ".pdf")
    forger = make_authority(root / "faelscher", organisation="Testfachstelle", password="")
    outside = root / "Downloads"
    outside.mkdir()
    yield Site(ws, keys, root / "website", pdf, pdf.with_suffix(".html"), forger, outside)
    mp.undo()


def verify(chain: Site, *args: str) -> tuple[int, str]:
    """`lafast verify …` as a reader runs it: in a folder that is no workspace."""
    before = _tree(chain.outside.parent)
    result = CliRunner().invoke(_Main(), ["verify", *args], catch_exceptions=False)
    assert _tree(chain.outside.parent) == before  # verify writes nothing, anywhere
    return result.exit_code, result.output


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


def keyring_of(authority: Authority) -> Keyring:
    return Keyring(None, pkcs12=authority.pkcs12, trust_roots=(authority.ca_cert,))


def save(chain: Site, name: str, data: bytes) -> Path:
    path = chain.outside / name
    path.write_bytes(data)
    return path


def unsigned_copy(chain: Site) -> bytes:
    """The published PDF without its signature (pikepdf rewrites it whole)."""
    import pikepdf

    with pikepdf.open(chain.pdf) as pdf:
        del pdf.Root["/AcroForm"]
        for page in pdf.pages:
            if "/Annots" in page.obj:
                kept = [a for a in page.obj.Annots if a.get("/Subtype") != "/Widget"]
                page.obj.Annots = pikepdf.Array(kept)
        buf = io.BytesIO()
        pdf.save(buf)
    return buf.getvalue()


# -- trust comes from outside the file -------------------------------------------------------------
def test_genuine_pdf_without_anchor_is_not_verifiable(chain: Site, monkeypatch) -> None:
    monkeypatch.chdir(chain.outside)
    copy = save(chain, "echt.pdf", chain.pdf.read_bytes())
    code, out = verify(chain, str(copy))
    assert code == 10
    assert "Ergebnis: echt" not in out
    assert "Fehler: Die Datei ist nicht prüfbar:" in out
    assert "Kein Vertrauensanker: Es ist kein Zertifikat der Fachstelle angegeben" in out
    assert "Vertrauensanker: keiner" in out


@pytest.mark.parametrize("how", ["datei", "fingerabdruck"])
def test_genuine_pdf_with_an_anchor_is_echt(chain: Site, monkeypatch, how: str) -> None:
    monkeypatch.chdir(chain.outside)
    copy = save(chain, "echt.pdf", chain.pdf.read_bytes())
    anchor = str(chain.ca) if how == "datei" else show_fingerprint(fingerprint(load_cert(chain.ca)))
    code, out = verify(chain, str(copy), "--trust", anchor)
    assert code == 0, out
    assert "PDF-Signatur: gültig, Zertifikat vertrauenswürdig; " in out
    assert "Ergebnis: echt – die Datei ist die freigegebene Fassung." in out


def test_unsigned_pdf_is_never_echt(chain: Site, monkeypatch) -> None:
    monkeypatch.chdir(chain.outside)
    bad = save(chain, "unsigniert.pdf", unsigned_copy(chain))
    code, out = verify(chain, str(bad))
    assert code == 10  # was "echt" without a workspace
    code, out = verify(chain, str(bad), "--trust", str(chain.ca))
    assert code == 8
    assert "Fehler: Die Datei ist NICHT echt:\n  - Die PDF-Datei ist nicht digital signiert." in out


def test_self_made_certificate_is_not_echt(chain: Site, monkeypatch) -> None:
    monkeypatch.chdir(chain.outside)
    bad = save(chain, "selbstgemacht.pdf", unsigned_copy(chain))
    sign_pdf(bad, keyring_of(chain.forger), reason="Freigegeben")
    code, _out = verify(chain, str(bad))
    assert code == 10  # was "echt" without a workspace
    pin = show_fingerprint(fingerprint(load_cert(chain.ca)))
    for anchor in (str(chain.ca), pin):
        code, out = verify(chain, str(bad), "--trust", anchor)
        assert code == 8
        assert "führt zu keinem Vertrauensanker (Zertifikat der Fachstelle)." in out
        assert "PDF-Signatur: gültig, Zertifikat NICHT vertrauenswürdig" in out


def test_expired_certificate_is_not_echt(chain: Site, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.chdir(chain.outside)
    old = _expired_authority(tmp_path)
    bad = save(chain, "abgelaufen.pdf", unsigned_copy(chain))
    sign_pdf(bad, keyring_of(old), reason="Freigegeben")
    code, out = verify(chain, str(bad), "--trust", str(old.ca_cert))
    assert code == 8
    assert "Das Zertifikat der Signatur ist abgelaufen oder noch nicht gültig (gültig " in out


def test_trust_that_is_neither_file_nor_fingerprint(chain: Site, monkeypatch) -> None:
    monkeypatch.chdir(chain.outside)
    code, out = verify(chain, str(chain.pdf), "--trust", "SHA256:ZZ")
    assert code == 1
    assert "„--trust SHA256:ZZ“ ist weder eine Zertifikatsdatei noch ein Fingerabdruck." in out


# -- every signature and every byte --------------------------------------------------------------
def _incremental(chain: Site, change) -> bytes:  # type: ignore[no-untyped-def]
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    w = IncrementalPdfFileWriter(io.BytesIO(chain.pdf.read_bytes()), strict=False)
    change(w)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def _new_page_text(w) -> None:  # type: ignore[no-untyped-def]
    from pyhanko.pdf_utils import generic

    page = w.root["/Pages"]["/Kids"][0].get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 40 Tf 50 400 Td (1:200) Tj ET")
    page[generic.NameObject("/Contents")] = w.add_object(stream)
    w.update_container(page)


def _new_title(w) -> None:  # type: ignore[no-untyped-def]
    from pyhanko.pdf_utils.generic import NameObject, TextStringObject

    info = w.trailer["/Info"]
    info[NameObject("/Title")] = TextStringObject("Geänderter Titel")
    w.update_container(info)


@pytest.mark.parametrize("change", [_new_page_text, _new_title], ids=["seiteninhalt", "titel"])
def test_incremental_update_after_signing_is_not_echt(chain: Site, monkeypatch, change) -> None:
    monkeypatch.chdir(chain.outside)
    bad = save(chain, "nachtraeglich.pdf", _incremental(chain, change))
    code, out = verify(chain, str(bad), "--trust", str(chain.ca))
    assert code == 8
    assert "Nach der Signatur wurde die Datei geändert (nachträgliche Änderung;" in out
    # poppler agrees that the signature no longer covers the whole file
    pdfsig = subprocess.run(["pdfsig", str(bad)], capture_output=True, text=True).stdout
    assert "Signature Validation: Signature is Valid." in pdfsig
    assert "Total document signed" not in pdfsig


@pytest.mark.parametrize("who", ["faelscher", "fachstelle"])
def test_second_signature_on_top_is_not_echt(chain: Site, monkeypatch, who: str) -> None:
    """Even a second signature with the office's own certificate: lafast signs once."""
    monkeypatch.chdir(chain.outside)
    bad = save(chain, "zweite.pdf", chain.pdf.read_bytes())
    authority = chain.forger if who == "faelscher" else chain.keys.authority
    password = PASSWORD_ENV if who == "fachstelle" else ""
    keyring = Keyring(None, pkcs12=authority.pkcs12, password_env=password)
    import lafast_docs.release.signing as signing

    monkeypatch.setattr(signing, "FIELD_NAME", "Zweite")
    sign_pdf(bad, keyring, reason="Zweite Freigabe")
    code, out = verify(chain, str(bad), "--trust", str(chain.ca))
    assert code == 8
    assert "Nach der Freigabe-Signatur wurde eine weitere Signatur ergänzt („Zweite“" in out
    assert out.count("PDF-Signatur: ") == 2  # both validated and shown


def test_validation_data_and_document_timestamp_stay_echt(
    chain: Site, monkeypatch, tmp_path: Path
) -> None:
    """The one allowed exception: DSS (certificates) and a document timestamp (RFC 3161 by a
    local TSA), each in its own incremental update."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    monkeypatch.chdir(chain.outside)
    buf = io.BytesIO(chain.pdf.read_bytes())
    sig = PdfFileReader(buf).embedded_signatures[0]
    DocumentSecurityStore.add_dss(buf, sig.pkcs7_content, certs=[load_cert(chain.ca)])
    stamped = PdfTimeStamper(_timestamper(tmp_path)).timestamp_pdf(
        IncrementalPdfFileWriter(io.BytesIO(buf.getvalue())), "sha256"
    )
    good = save(chain, "zeitstempel.pdf", stamped.getvalue())
    code, out = verify(chain, str(good), "--trust", str(chain.ca))
    assert code == 0, out
    assert "Zeitstempel: gültig, Zertifikat ungeprüft; " in out
    assert "Hinweis: Nach der Signatur wurden nur Prüfdaten ergänzt" in out


# -- the site: a signed checksum list -------------------------------------------------------------
def test_site_list_is_signed_and_openssl_agrees(chain: Site) -> None:
    sums, p7s = chain.site / "SHA256SUMS", chain.site / "SHA256SUMS.p7s"
    assert "  catalogue.json" in sums.read_text()
    openssl = subprocess.run(
        [
            *("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(p7s)),
            *("-content", str(sums), "-CAfile", str(chain.ca), "-purpose", "any"),
            *("-out", "/dev/null"),
        ],
        capture_output=True,
        text=True,
    )
    assert openssl.returncode == 0, openssl.stderr
    assert (chain.site / "zertifikat.pem").read_bytes() == chain.ca.read_bytes()


@pytest.mark.parametrize("name", ["html", "docx"])
def test_html_and_docx_are_echt_only_through_the_signed_list(
    chain: Site, monkeypatch, name: str
) -> None:
    monkeypatch.chdir(chain.outside)
    page = chain.pdf.with_suffix(f".{name}")
    code, out = verify(chain, str(page), "--site", str(chain.site), "--trust", str(chain.ca))
    assert code == 0, out
    assert "Signatur der Prüfsummenliste: gültig, Zertifikat vertrauenswürdig" in out
    code, out = verify(chain, str(page), "--site", str(chain.site))
    assert code == 10
    copy = save(chain, page.name, page.read_bytes())
    code, out = verify(chain, str(copy), "--trust", str(chain.ca))
    assert code == 10
    assert "prüfbar ist sie nur mit der signierten Prüfsummenliste der Website" in out


def _forged_site(chain: Site, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the site with a changed HTML page, SHA256SUMS and catalogue.json rewritten to
    match it (what an attacker with write access to the web server can do)."""
    site = tmp_path / "website"
    shutil.copytree(chain.site, site)
    html = site / chain.html.relative_to(chain.site)
    html.write_text(html.read_text("utf-8").replace("Stellungnahme", "Stellungname"), "utf-8")
    cat = site / "catalogue.json"
    old, new = hashlib.sha256(chain.html.read_bytes()).hexdigest(), _sha(html)
    cat.write_text(cat.read_text("utf-8").replace(old, new), "utf-8")
    sums = site / "SHA256SUMS"
    text = sums.read_text().replace(old, new)
    sums.write_text(text.replace(_sha(chain.site / "catalogue.json"), _sha(cat)))
    return site, html


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_rewritten_list_without_the_office_key_is_not_echt(
    chain: Site, monkeypatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(chain.outside)
    site, html = _forged_site(chain, tmp_path)
    code, out = verify(chain, str(html), "--site", str(site), "--trust", str(chain.ca))
    assert code == 8
    assert "Prüfsummenliste: Die signierten Bytes wurden nachträglich verändert." in out
    code, _out = verify(chain, str(html), "--site", str(site))
    assert code == 8  # a broken signature needs no anchor to be seen
    # re-signed with the forger's own certificate
    (site / "SHA256SUMS.p7s").write_bytes(
        sign_detached((site / "SHA256SUMS").read_bytes(), keyring_of(chain.forger))
    )
    code, out = verify(chain, str(html), "--site", str(site), "--trust", str(chain.ca))
    assert code == 8
    assert "Prüfsummenliste: Das Zertifikat der Signatur (" in out
    assert "führt zu keinem Vertrauensanker" in out
    # the signature simply removed
    (site / "SHA256SUMS.p7s").unlink()
    code, out = verify(chain, str(html), "--site", str(site), "--trust", str(chain.ca))
    assert code == 8
    assert "ist nicht signiert (SHA256SUMS.p7s fehlt)." in out


# -- helpers: an expired certificate, a local time-stamping authority -----------------------------
def _expired_authority(folder: Path) -> Authority:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Abgelaufene Zertifizierungsstelle")])
    now = dt.datetime.now(dt.UTC)
    ca = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=800))
        .not_valid_after(now + dt.timedelta(days=800))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Altes Siegel")]))
        .issuer_name(name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=400))
        .not_valid_after(now - dt.timedelta(days=30))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    ca_path = folder / "alt-ca.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    p12 = folder / "alt.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"alt", leaf_key, leaf, [ca], serialization.NoEncryption()
        )
    )
    return Authority(ca_path, p12, "")


def _timestamper(folder: Path):  # type: ignore[no-untyped-def]
    """pyHanko's in-process RFC 3161 time-stamping authority (RSA key, timeStamping EKU)."""
    from asn1crypto import keys as akeys
    from asn1crypto import x509 as ax509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.sign.timestamps import DummyTimeStamper

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test-Zeitstempeldienst")])
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    der = serialization.Encoding.DER
    return DummyTimeStamper(
        tsa_cert=ax509.Certificate.load(cert.public_bytes(der)),
        tsa_key=akeys.PrivateKeyInfo.load(
            key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        ),
    )
