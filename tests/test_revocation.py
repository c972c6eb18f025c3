"""The office CA's revocation list: seals name it, `lafast signing revoke` fills it, `publish`
puts it on the site, `verify` applies it (offline: --crl or the site's; online: fetched from the
address in the seal, served over HTTP on 127.0.0.1). Real certificates, a real TSA (tests/pki.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import http.server
import io
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from lafast_docs.errors import (
    CrlUnreadable,
    RevocationError,
    SigningError,
    TargetNotAllowed,
)
from lafast_docs.office.doctor import ERROR, _signing_pdf
from lafast_docs.release.keyring import load_keyring
from lafast_docs.release.officeca import root_certificate
from lafast_docs.release.revocation import Entry, build_crl
from lafast_docs.release.seal import revoke_seal, setup_office_ca, setup_seal
from lafast_docs.release.signing import make_authority, sign_pdf_bytes
from lafast_docs.release.trust import fingerprint, load_cert, show_fingerprint
from lafast_docs.release.verify import verify
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.create import init_workspace
from tests.conftest import SAMPLE_SN, copy_samples, free_port, git, without_signing
from tests.pki import Pki, blank_pdf
from tests.test_signing_setup import ROOT_PW, SEAL_PW, run

LAFAST = Path(__file__).resolve().parent.parent
WEBSITE = "https://fachstelle.example/veroeffentlichungen/"


@pytest.fixture(autouse=True)
def passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SEAL_PW, "siegel-geheim")
    monkeypatch.setenv(ROOT_PW, "wurzel-geheim")


def office(ws: Workspace, folder: Path, pki: Pki, website: str = WEBSITE) -> Workspace:
    """The office's own CA with a time-stamping service (whose root is trusted too)."""
    ws.config.org_website = website
    setup_seal(ws, timestamp_url=pki.tsa_url, trust_roots=(pki.root_pem,))
    setup_office_ca(ws, folder, password_env=SEAL_PW, root_password_env=ROOT_PW)
    return ws


def stolen(pki: Pki, folder: Path, when: dt.datetime) -> bytes:
    """A thief signs with the office's seal file at `when` (PAdES B-T by other software, with a
    real timestamp of that time)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps import HTTPTimeStamper

    signer = signers.SimpleSigner.load_pkcs12(
        str(folder / "siegel.p12"), passphrase=b"siegel-geheim"
    )
    meta = signers.PdfSignatureMetadata(
        field_name="Freigabe", subfilter=fields.SigSeedSubFilter.PADES
    )
    pki.at(when)
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(blank_pdf()))
        stamper = HTTPTimeStamper(pki.tsa_url)
        return bytes(signers.sign_pdf(writer, meta, signer=signer, timestamper=stamper).getvalue())
    finally:
        pki.at(None)


def judged(
    data: bytes, tmp_path: Path, roots: tuple[Path, ...], *crls: Path
) -> tuple[bool, list[str], str]:
    """`verify` outside a workspace, trusting `roots` (the office's and the time-stamping
    service's): (PDF signature proven, its problems, the notes)."""
    target = tmp_path / "pruefen" / "datei.pdf"
    target.parent.mkdir(exist_ok=True)
    target.write_bytes(data)
    report = verify(target, trust=tuple(map(str, roots)), crls=crls)
    assert report.pdf is not None
    return report.pdf.proven, report.pdf.problems, " ".join(report.notes)


def test_revoked_seal_fails_signatures_made_after_the_revocation_only(ws, tmp_path, pki) -> None:
    folder = tmp_path / "lafast-ca"
    office(ws, folder, pki)
    root, crl = folder / "wurzel.pem", folder / "sperrliste.crl"
    roots = (root, pki.root_pem)
    ring = load_keyring(ws)
    assert ring.crl == crl
    cert = x509.load_pem_x509_certificate(next((folder / "ausgestellt").iterdir()).read_bytes())
    points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [n.value for p in points for n in p.full_name] == [WEBSITE + "sperrliste.crl"]
    now = dt.datetime.now(dt.UTC)
    pki.at(now - dt.timedelta(minutes=2))  # signed two minutes before the revocation
    try:
        before = sign_pdf_bytes(blank_pdf(), ring, reason="Freigegeben")
    finally:
        pki.at(None)
    untimed = sign_pdf_bytes(
        blank_pdf(), dataclasses.replace(ring, timestamp_url=""), reason="Freigegeben"
    )
    r = revoke_seal(ws, folder, password_env=SEAL_PW, root_password_env=ROOT_PW)
    assert not r.revoked.already and r.in_use and r.revoked.serial == cert.serial_number
    # lafast signs no more with it, with or without a timestamp
    for keys in (ring, dataclasses.replace(ring, timestamp_url="")):
        with pytest.raises(SigningError, match=r"Das Siegel ist seit .* widerrufen"):
            sign_pdf_bytes(blank_pdf(), keys, reason="Freigegeben")
    after = stolen(pki, folder, now + dt.timedelta(days=1))

    proven, problems, notes = judged(before, tmp_path, roots, crl)
    assert proven, problems
    assert "widerrufen, nach ihrem Zeitstempel: die Signatur bleibt gültig" in notes
    proven, problems, _ = judged(after, tmp_path, roots, crl)
    assert not proven
    assert any(
        re.fullmatch(
            r"Das Zertifikat der Signatur wurde am [\d.]+ [\d:]+ widerrufen \(Sperrliste "
            r"sperrliste\.crl\) – vor dem Zeitpunkt der Signatur\.",
            p,
        )
        for p in problems
    ), problems
    proven, problems, _ = judged(untimed, tmp_path, roots, crl)  # no trusted time: judged now
    assert not proven and any("keinen Zeitstempel" in p for p in problems), problems
    # without the list the thief's signature would pass: that is what the list is for
    assert judged(after, tmp_path, roots)[0]
    # a list made by somebody else under the office's name counts for nothing
    fake_key = ec.generate_private_key(ec.SECP384R1())
    fake_root = root_certificate("x", fake_key, days=10, label="x")
    fake_root = x509.load_pem_x509_certificate(root.read_bytes())  # the real name …
    forged = tmp_path / "gefaelscht.crl"
    forged.write_bytes(
        build_crl(fake_root, fake_key, [Entry(cert.serial_number, now)], number=9)
    )  # … signed with another key
    proven, problems, notes = judged(before, tmp_path, roots, forged)
    assert proven, problems
    assert "Die Sperrliste gefaelscht.crl ist nicht vom Vertrauensanker ausgestellt" in notes
    # revoking again changes nothing
    again = revoke_seal(ws, folder, password_env=SEAL_PW, root_password_env=ROOT_PW)
    assert again.revoked.already and again.revoked.at == r.revoked.at


def test_without_website_the_seal_is_issued_without_address_and_says_so(ws, tmp_path) -> None:
    ws.config.org_website = ""
    r = setup_office_ca(ws, tmp_path / "ca", password_env=SEAL_PW, root_password_env=ROOT_PW)
    assert r.ca is not None and r.ca.crl_url == "" and r.ca.crl is not None
    assert any("keine Adresse der Website" in n for n in r.notes)
    cert = x509.load_pem_x509_certificate(
        next((tmp_path / "ca" / "ausgestellt").iterdir()).read_bytes()
    )
    with pytest.raises(x509.ExtensionNotFound):
        cert.extensions.get_extension_for_class(x509.CRLDistributionPoints)


def test_revoke_refusals_write_nothing(ws, tmp_path, monkeypatch) -> None:
    folder = tmp_path / "ca"
    ws.config.org_website = WEBSITE
    setup_office_ca(ws, folder, password_env=SEAL_PW, root_password_env=ROOT_PW)
    crl = folder / "sperrliste.crl"
    before = crl.read_bytes()
    other = make_authority(tmp_path / "andere", organisation="Andere", password="pw")
    monkeypatch.setenv("ANDERES_PW", "pw")
    monkeypatch.setenv("FALSCH_PW", "falsch")
    cases = [
        (dict(root_password_env="FALSCH_PW"), SigningError, "lässt sich mit diesem Kennwort nicht"),
        (
            dict(seal=other.pkcs12, password_env="ANDERES_PW"),
            RevocationError,
            "stammt nicht aus dieser Zertifizierungsstelle",
        ),
        (
            dict(at=dt.datetime.now(dt.UTC) + dt.timedelta(days=2)),
            RevocationError,
            "ab jetzt oder ab einem vergangenen Zeitpunkt",
        ),
        (dict(site=ws.root / ".git" / "site"), TargetNotAllowed, "Der Ordner liegt in .git"),
        (dict(seal=tmp_path / "fehlt.pem"), SigningError, "gibt es nicht"),
    ]
    for kwargs, error, message in cases:
        kwargs = {"password_env": SEAL_PW, "root_password_env": ROOT_PW, **kwargs}
        with pytest.raises(error, match=message):
            revoke_seal(ws, folder, **kwargs)
        assert crl.read_bytes() == before, kwargs
    assert not (ws.root / ".git" / "site").exists()
    # outside input: a broken list given to verify is named, not half-used
    broken = tmp_path / "kaputt.crl"
    broken.write_bytes(b"-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n")
    signed = tmp_path / "x.pdf"
    signed.write_bytes(blank_pdf())
    with pytest.raises(CrlUnreadable, match=r"kaputt\.crl ist keine lesbare Sperrliste"):
        verify(signed, crls=(broken,))
    # in a pipe, without the variable, nobody can be asked
    code, out = run(ws, "signing", "revoke", str(folder), "--password-env", SEAL_PW)
    assert code == 7, out
    assert out == (
        "Fehler: Kennwort der Wurzel: es ist keine Umgebungsvariable dafür eingerichtet, und "
        "ohne Terminal kann lafast nicht danach fragen.\nWas tun: Vor dem Aufruf setzen, z. B. "
        "„read -s LAFAST_WURZEL_PW && export LAFAST_WURZEL_PW“, und „--root-password-env "
        "LAFAST_WURZEL_PW“ angeben.\n"
    )
    assert crl.read_bytes() == before


@pytest.fixture
def website(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """The site folder served over HTTP on 127.0.0.1, as the office's web server would."""
    folder = tmp_path / "website"
    folder.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Handler, directory=str(folder))

    class Quiet(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address) -> None:
            pass

    server = Quiet(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_published_list_is_fetched_online_from_the_address_in_the_seal(
    tmp_path, pki, website
) -> None:
    site, url = website
    ws = without_signing(copy_samples(init_workspace(tmp_path / "ws"), SAMPLE_SN))
    config = ws.root / "lafast.yaml"
    config.write_text(
        re.sub(r'website: "[^"]*"', f'website: "{url}"', config.read_text("utf-8")), "utf-8"
    )
    git(ws, "commit", "-qam", "Adresse der Website")
    ca = tmp_path / "lafast-ca"
    steps = [
        ("signing", "seal", "--timestamp-url", pki.tsa_url, "--trust-root", str(pki.root_pem)),
        ("signing", "ca", str(ca), "--password-env", SEAL_PW, "--root-password-env", ROOT_PW),
        ("signoff", SAMPLE_SN, "--as", "leitung"),
        ("publish", SAMPLE_SN, "--site", str(site)),
    ]
    for step in steps:
        # signed a minute before the revocation below (same second: "after", by the rule)
        pki.at(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1) if step[0] == "publish" else None)
        code, out = run(ws, *step)
        pki.at(None)
        assert code == 0, (step, out)
    assert (site / "sperrliste.crl").read_bytes() == (ca / "sperrliste.crl").read_bytes()
    # beside the office's root: the time-stamping service's, with its fingerprint
    tsa_root = load_cert(site / "zeitstempel-wurzel.pem")
    assert tsa_root.dump() == load_cert(pki.root_pem).dump()
    index = (site / "index.html").read_text("utf-8")
    assert f"<code>{show_fingerprint(fingerprint(tsa_root))}</code>" in index
    anchors = (
        "--trust",
        str(site / "zertifikat.pem"),
        "--trust",
        str(site / "zeitstempel-wurzel.pem"),
    )
    pdf = next(site.rglob("*.pdf"))
    code, out = run(
        ws, "signing", "revoke", str(ca), "--password-env", SEAL_PW,
        "--root-password-env", ROOT_PW, "--site", str(site),
    )  # fmt: skip
    assert code == 0, out
    lines = out.splitlines()
    assert re.fullmatch(
        r"Widerrufen seit [\d.]+ [\d:]+: CN=LaFaSt – Siegel,.* \(Nr\. \w+\)\.", lines[0]
    )
    assert lines[1:3] == [
        f"Sperrliste: {ca / 'sperrliste.crl'}",
        f"Auf die Website gelegt: {site / 'sperrliste.crl'}",
    ]
    assert "ein neues ausstellen; das signiert auch die Prüfsummenliste der Website neu." in out
    # the thief, a day later; the reader has only the pinned root and asks online
    forged = tmp_path / "unterwegs" / "gefaelscht.pdf"
    forged.parent.mkdir()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    forged.write_bytes(stolen(pki, ca, later))
    trust = (str(ca / "wurzel.pem"), str(pki.root_pem))
    pki.at(later + dt.timedelta(hours=1))  # the TSA's OCSP responder answers as of the check
    try:
        report = verify(forged, trust=trust, online=True)
    finally:
        pki.at(None)
    assert report.pdf is not None and not report.pdf.proven
    assert "Das Zertifikat der Signatur wurde widerrufen – vor dem Zeitpunkt der Signatur." in (
        report.pdf.problems
    )
    assert verify(forged, trust=trust).pdf.proven  # offline, without the list: blind
    # the published file was signed before the revocation; the site's checksum list is signed
    # without a timestamp, so until the office signs it again it does not count
    code, out = run(ws, "verify", str(pdf), *anchors)
    assert code == 8, out
    assert "  - Prüfsummenliste: Das Zertifikat der Signatur wurde am " in out
    assert "nach ihrem Zeitstempel: die Signatur bleibt gültig" in out
    code, out = run(
        ws, "signing", "ca", str(ca), "--password-env", SEAL_PW, "--root-password-env", ROOT_PW,
        "--site", str(site),
    )  # fmt: skip
    assert code == 0, out
    assert f"Prüfsummenliste der Website {site} mit dem neuen Siegel signiert." in out
    for extra in (("--online",), ()):
        code, out = run(ws, "verify", str(pdf), *anchors, *extra)
        assert code == 0, out
        assert "Ergebnis: echt – die Datei ist die freigegebene Fassung." in out
    assert "nach ihrem Zeitstempel: die Signatur bleibt gültig" in out
    # ten years: archive timestamps on the published PDF; the copy a reader downloaded before
    # stays "echt" by its own signature; doctor watches the site from now on
    downloaded = tmp_path / "heruntergeladen" / pdf.name
    downloaded.parent.mkdir()
    downloaded.write_bytes(pdf.read_bytes())
    for url in (pki.tsa_short_url, pki.tsa_url):  # a service ending in 50 days, then a long one
        assert run(ws, "signing", "seal", "--timestamp-url", url)[0] == 0
        code, out = run(ws, "signing", "archive", "--site", str(site))
        assert code == 0, out
        assert out.startswith(f"Archivzeitstempel ergänzt: 1 PDF-Datei(en).\n  {pdf}\n"), out
        finding = _signing_pdf(ws)
        if url == pki.tsa_short_url:
            assert (finding.topic, finding.status) == ("Archivzeitstempel", ERROR), finding
            assert f"lafast signing archive --site {site.resolve()}" in finding.fix
    assert finding.topic != "Archivzeitstempel", finding
    assert pdf.read_bytes().startswith(downloaded.read_bytes())
    code, out = run(ws, "verify", str(pdf), *anchors)
    assert code == 0, out
    assert out.count("Zeitstempel: gültig, Zertifikat vertrauenswürdig") == 2, out
    code, out = run(ws, "verify", str(downloaded), *anchors, "--site", str(site))
    assert code == 0, out
    assert "Die Website führt diese PDF-Datei inzwischen mit weiteren Prüfdaten" in out
