"""Signatures that last: PAdES B-T/B-LT with a real time-stamping service and OCSP responder
(certomancer's Animator over HTTP on 127.0.0.1, tests/pki.py), judged after the certificate has
expired and after it was revoked."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from pathlib import Path

import pikepdf
import pytest

from lafast_docs.errors import SigningError, TimestampError
from lafast_docs.release.keyring import Keyring
from lafast_docs.release.signing import sign_pdf, sign_pdf_bytes
from lafast_docs.release.trust import Anchors, check_pdf
from tests.conftest import free_port
from tests.pki import REVOKED_IN, Pki, blank_pdf

PW_ENV = "LAFAST_TEST_SIEGEL_PW"


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PW_ENV, "geheim")


def keyring(pki: Pki, label: str = "siegel", *, tsa: str | None = "") -> Keyring:
    return Keyring(
        None,
        pkcs12=pki.pkcs12(label, "geheim"),
        password_env=PW_ENV,
        trust_roots=(pki.root_pem,),
        timestamp_url=pki.tsa_url if tsa == "" else (tsa or ""),
    )


def anchors(pki: Pki) -> Anchors:
    return Anchors((pki.root_pem,))


def signed(pki: Pki, label: str = "siegel", *, tsa: str | None = "") -> bytes:
    return sign_pdf_bytes(blank_pdf(), keyring(pki, label, tsa=tsa), reason="Freigegeben")


def attacker_signs(pki: Pki, label: str) -> bytes:
    """PAdES B-T with the key of `label`, by other software (no validation data, no checks)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps import HTTPTimeStamper

    p12 = str(pki.pkcs12(label, "geheim"))
    signer = signers.SimpleSigner.load_pkcs12(p12, passphrase=b"geheim")
    meta = signers.PdfSignatureMetadata(
        field_name="Freigabe", subfilter=fields.SigSeedSubFilter.PADES
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(blank_pdf()))
    out = signers.sign_pdf(writer, meta, signer=signer, timestamper=HTTPTimeStamper(pki.tsa_url))
    return bytes(out.getvalue())


def test_b_lt_carries_timestamp_and_validation_data(pki: Pki) -> None:
    data = signed(pki)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        dss = pdf.Root.DSS
        assert len(dss.OCSPs) >= 1 and len(dss.Certs) >= 2  # signer's chain and the TSA's
    result = check_pdf(data, anchors(pki))
    assert result.proven, result.problems
    approval = result.approval
    assert approval is not None and approval.timestamped and approval.validation_data
    assert abs(approval.signed_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    assert result.only_validation_data  # the DSS update is no content change


def test_b_lt_stays_authentic_after_the_certificate_expired(pki: Pki) -> None:
    later = pki.start + dt.timedelta(days=400)  # the seal certificate ran 30 days
    long_term, plain = signed(pki), signed(pki, tsa=None)
    assert check_pdf(plain, anchors(pki)).proven  # B-B: fine while the certificate is valid
    expired = check_pdf(plain, anchors(pki), at=later)
    assert not expired.proven
    assert any("abgelaufen" in p for p in expired.problems), expired.problems
    kept = check_pdf(long_term, anchors(pki), at=later)
    assert kept.proven, kept.problems
    # even asking the OCSP responder as of that later day changes nothing
    pki.at(later)
    try:
        assert check_pdf(long_term, anchors(pki), at=later, online=True).proven
    finally:
        pki.at(None)


def test_revocation_fails_signatures_made_after_it_only(pki: Pki) -> None:
    before = signed(pki, "gestohlen")  # made now; revoked ten days from now
    pki.at(pki.start + REVOKED_IN + dt.timedelta(days=5))
    try:
        # lafast refuses to sign with the revoked certificate …
        with pytest.raises(SigningError, match="widerrufen"):
            signed(pki, "gestohlen")
        # … but somebody with the stolen key signs after the revocation, with a real timestamp
        after = attacker_signs(pki, "gestohlen")
        assert check_pdf(after, anchors(pki)).approval.timestamped
        pki.at(pki.start + REVOKED_IN + dt.timedelta(days=20))
        late = check_pdf(after, anchors(pki), online=True)
        assert not late.proven
        assert any("widerrufen – vor dem Zeitpunkt" in p for p in late.problems), late.problems
        early = check_pdf(before, anchors(pki), online=True)
        assert early.proven, early.problems
    finally:
        pki.at(None)


@pytest.mark.slow
def test_pdfsig_reads_the_time_stamped_signature(pki: Pki, tmp_path: Path) -> None:
    from tests.checkers import tool

    target = tmp_path / "blt.pdf"
    target.write_bytes(signed(pki))
    out = subprocess.run(
        [tool("pdfsig"), "-nocert", str(target)], capture_output=True, text=True
    ).stdout
    assert "Signature Field Name: Freigabe" in out
    assert "Signature Type: ETSI.CAdES.detached" in out
    assert "Signature Validation: Signature is Valid." in out


def test_unreachable_service_refuses_and_writes_nothing(pki: Pki, tmp_path: Path) -> None:
    target = tmp_path / "fassung.pdf"
    target.write_bytes(blank_pdf())
    before = target.read_bytes()
    ring = keyring(pki, tsa=f"http://127.0.0.1:{free_port()}/tsa")
    with pytest.raises(TimestampError) as caught:
        sign_pdf(target, ring, reason="Freigegeben")
    assert "Zeitstempeldienst http://127.0.0.1:" in caught.value.message
    assert "nichts wurde geschrieben" in (caught.value.hint or "")
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fassung.pdf"]


def test_reader_without_the_services_root_is_told_which_anchor_is_missing(pki, tmp_path) -> None:
    """The office pins its own root; the timestamp chains to the service's root. After the seal
    has expired, a reader with only the office's root gets "nicht prüfbar" and the name of the
    missing anchor, never "echt" and never "NICHT echt"; with both (or a bundle) "echt"."""
    from lafast_docs.release.signing import make_authority
    from lafast_docs.release.verify import verify

    office = make_authority(tmp_path / "ca", organisation="Testfachstelle", password="geheim")
    ring = Keyring(
        None,
        pkcs12=office.pkcs12,
        password_env=PW_ENV,
        trust_roots=(office.ca_cert, pki.root_pem),
        timestamp_url=pki.tsa_url,
    )
    target = tmp_path / "fassung.pdf"
    target.write_bytes(sign_pdf_bytes(blank_pdf(), ring, reason="Freigegeben"))
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=900)  # the seal ran 825 days
    only_office = verify(target, trust=(str(office.ca_cert),), at=later)
    assert only_office.pdf is not None and not only_office.pdf.proven
    assert not only_office.pdf.problems, only_office.pdf.problems
    assert any(
        "es fehlt der Vertrauensanker des Zeitstempeldienstes (Common Name: Test-Wurzel" in u
        for u in only_office.unproven
    ), only_office.unproven
    assert any("abgelaufen" in u for u in only_office.unproven)
    today = verify(target, trust=(str(office.ca_cert),))  # seal still valid: proven, with a note
    assert today.pdf is not None and today.pdf.proven
    assert any("zeitstempel-wurzel.pem" in n for n in today.notes)
    bundle = tmp_path / "anker.pem"
    bundle.write_bytes(office.ca_cert.read_bytes() + pki.root_pem.read_bytes())
    for trust in ((str(office.ca_cert), str(pki.root_pem)), (str(bundle),)):
        both = verify(target, trust=trust, at=later)
        assert both.pdf is not None and both.pdf.proven, both.pdf.problems
        assert not both.unproven and both.pdf.approval.timestamped


def test_archive_timestamp_keeps_it_provable_past_the_seal_and_the_first_service(
    pki, tmp_path
) -> None:
    """B-LT by a service whose certificate ends after 50 days; 400 days on, the seal (30 days)
    and that service have both ended: without an archive timestamp "nicht prüfbar", with one
    (made while both were valid) "echt"."""
    import dataclasses

    from lafast_docs.release.archive import archive_pdf, newest_archive_end
    from lafast_docs.release.verify import verify

    ring = keyring(pki, tsa=pki.tsa_short_url)
    first = sign_pdf_bytes(blank_pdf(), ring, reason="Freigegeben")
    archived = archive_pdf(first, dataclasses.replace(ring, timestamp_url=pki.tsa_url))
    assert archived.startswith(first)  # an incremental update: the signed bytes stay
    assert newest_archive_end(archived).year == 2100
    twice = archive_pdf(archived, dataclasses.replace(ring, timestamp_url=pki.tsa_url))
    later = pki.start + dt.timedelta(days=400)
    files = {}
    for name, data in (("b-lt", first), ("b-lta", archived), ("b-lta-2", twice)):
        files[name] = tmp_path / f"{name}.pdf"
        files[name].write_bytes(data)
    pki.at(later)  # OCSP answers as of that day, for --online
    try:
        old = verify(files["b-lt"], trust=(str(pki.root_pem),), at=later)
        assert old.pdf is not None and old.pdf.approval.timestamped and not old.pdf.problems
        assert any("belegt ihren Zeitpunkt nur bis" in u for u in old.unproven), old.unproven
        for name in ("b-lta", "b-lta-2"):
            for online in (False, True):
                r = verify(files[name], trust=(str(pki.root_pem),), at=later, online=online)
                assert r.pdf is not None and r.pdf.proven and not r.unproven, (name, r.unproven)
                assert r.pdf.only_validation_data
                stamps = [s for s in r.pdf.signatures if s.timestamp]
                assert stamps and all(s.trusted for s in stamps)
    finally:
        pki.at(None)
    # today the first timestamp still proves the time on its own
    assert not verify(files["b-lt"], trust=(str(pki.root_pem),)).unproven


@pytest.mark.slow
def test_pdfsig_reads_the_archive_timestamp(pki, tmp_path: Path) -> None:
    import dataclasses

    from lafast_docs.release.archive import archive_pdf
    from tests.checkers import tool

    ring = keyring(pki)
    target = tmp_path / "blta.pdf"
    target.write_bytes(archive_pdf(signed(pki), dataclasses.replace(ring)))
    out = subprocess.run(
        [tool("pdfsig"), "-nocert", str(target)], capture_output=True, text=True
    ).stdout
    approval, stamp = out.split("Signature #2:")
    assert "Signature Field Name: Freigabe" in approval
    assert "Signature Validation: Signature is Valid." in approval  # the signed bytes stay
    # poppler lists document timestamps but does not validate them (pdfsig 22-25)
    assert "Signature Field Name: Archivzeitstempel1" in stamp
    assert "Signer Certificate Common Name: Test-Zeitstempeldienst" in stamp
