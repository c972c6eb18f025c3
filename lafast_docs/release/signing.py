"""Digital signatures in final PDFs (PAdES baseline B-B, pyHanko) and their validation.

The certificate is a PKCS#12 file named in the local keyring (never in the repository); its
password comes from an environment variable. EC keys (P-256) are recommended: signing costs a
few milliseconds, RSA-3072 about 0.3 s per signature.

`make_authority` builds a small certificate authority and a signing certificate for the demo
and the tests; a real office uses the certificate of its trust service provider.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lafast_docs.errors import SigningError
from lafast_docs.release.keyring import Keyring
from lafast_docs.storage.files import atomic_write

if TYPE_CHECKING:
    from asn1crypto import x509  # untyped (no stubs): documents the type only

FIELD_NAME = "Freigabe"


def sign_pdf(path: Path, keyring: Keyring, *, reason: str, location: str = "") -> None:
    """Sign `path` in place (one incremental update) with the keyring's certificate."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    if keyring.pkcs12 is None:
        raise SigningError(
            "Für die digitale Signatur der PDF-Datei ist kein Zertifikat eingerichtet.",
            hint="Tragen Sie in der lokalen Einstellung (.git/lafast-local.yaml) „pdf: pkcs12: "
            "PFAD“ und „password_env: VARIABLE“ ein.",
        )
    try:
        signer = signers.SimpleSigner.load_pkcs12(
            str(keyring.pkcs12), passphrase=keyring.pdf_password()
        )
    except (ValueError, OSError) as exc:
        signer = None
        detail = str(exc)
    else:
        detail = ""
    if signer is None:
        raise SigningError(
            f"Das Zertifikat lässt sich nicht öffnen{': ' + detail if detail else ''}.",
            path=keyring.pkcs12,
            hint=f"Stimmt das Kennwort in {keyring.password_env or '(keine Variable)'}? Ist es "
            "eine PKCS#12-Datei (.p12/.pfx) mit Schlüssel und Zertifikat?",
        )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location or None,
    )
    with path.open("rb") as fh:
        writer = IncrementalPdfFileWriter(fh, strict=False)
        out = signers.sign_pdf(writer, meta, signer=signer)
    atomic_write(path, out.getvalue())


@dataclass
class PdfSignature:
    """What `lafast verify` says about a PDF's digital signature."""

    signed: bool = False
    intact: bool = False  # the signed bytes are unchanged
    valid: bool = False  # the cryptographic signature is correct
    whole_file: bool = False  # the signature covers every byte of the file
    trusted: bool | None = None  # chain to a configured trust root; None: none configured
    signer: str = ""
    signed_at: dt.datetime | None = None
    reason: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def authentic(self) -> bool:
        return (
            self.signed
            and self.intact
            and self.valid
            and self.whole_file
            and (self.trusted is not False)
        )


def check_pdf(data: bytes, trust_roots: tuple[Path, ...] = ()) -> PdfSignature:
    """Validate every signature in `data`; the last one must cover the whole file."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    result = PdfSignature()
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sigs = list(reader.embedded_signatures)
    except (PdfReadError, ValueError, KeyError) as exc:
        result.problems.append(f"Die PDF-Datei lässt sich nicht lesen: {exc}")
        return result
    if not sigs:
        result.problems.append("Die PDF-Datei enthält keine digitale Signatur.")
        return result
    result.signed = True
    roots = [_load_cert(p) for p in trust_roots]
    context = ValidationContext(trust_roots=roots) if roots else ValidationContext()
    sig = sigs[-1]
    try:
        status = validate_pdf_signature(sig, context)
    except Exception as exc:  # pyHanko raises many kinds for broken signature data
        result.problems.append(f"Die Signatur lässt sich nicht prüfen: {exc}")
        return result
    result.intact = bool(status.intact)
    result.valid = bool(status.valid)
    result.whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    result.trusted = bool(status.trusted) if roots else None
    result.signer = status.signing_cert.subject.human_friendly
    result.signed_at = status.signer_reported_dt
    result.reason = str(sig.sig_object.get("/Reason", "") or "")
    if not result.intact:
        result.problems.append("Die signierten Bytes wurden nachträglich verändert.")
    elif not result.valid:
        result.problems.append("Die Signatur ist mathematisch ungültig.")
    if not result.whole_file:
        result.problems.append(
            "Nach der Signatur wurde etwas an die Datei angehängt (Änderung nach dem "
            "Unterschreiben) – die Signatur deckt nicht die ganze Datei."
        )
    if result.trusted is False and result.intact and result.valid:
        result.problems.append(
            "Das Zertifikat stammt nicht von einer der eingestellten Zertifizierungsstellen."
        )
    return result


def _load_cert(path: Path) -> x509.Certificate:
    from asn1crypto import pem, x509

    raw = path.read_bytes()
    if pem.detect(raw):
        raw = pem.unarmor(raw)[2]
    return x509.Certificate.load(raw)


@dataclass(frozen=True)
class Authority:
    ca_cert: Path  # PEM, for trust_roots
    pkcs12: Path  # signing certificate + EC key
    password: str


def make_authority(folder: Path, *, organisation: str, password: str) -> Authority:
    """A certificate authority and an EC (P-256) signing certificate issued by it; the PKCS#12
    file is encrypted with `password` (none when empty: demo only)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)

    def name(cn: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
            ]
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = name("lafast Test-Zertifizierungsstelle")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name(f"{organisation[:40]} – Siegel"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path = folder / "zertifizierungsstelle.pem"
    atomic_write(ca_path, ca.public_bytes(serialization.Encoding.PEM))
    p12_path = folder / "siegel.p12"
    atomic_write(
        p12_path,
        pkcs12.serialize_key_and_certificates(
            b"lafast-siegel",
            key,
            cert,
            [ca],
            serialization.BestAvailableEncryption(password.encode("utf-8"))
            if password
            else serialization.NoEncryption(),
        ),
    )
    p12_path.chmod(0o600)
    return Authority(ca_path, p12_path, password)
