"""Digital signatures with the office's certificate (pyHanko): final PDFs (PAdES baseline B-B)
and the site's checksum list (detached CMS); their validation is `trust.py`.

The certificate is a PKCS#12 file named in the local keyring (never in the repository); its
password comes from an environment variable. EC keys (P-256) are recommended: signing costs a
few milliseconds, RSA-3072 about 0.3 s per signature.

`make_authority` builds a small certificate authority and a signing certificate for the demo
and the tests; a real office uses the certificate of its trust service provider.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs.errors import SigningError
from lafast_docs.release.keyring import Keyring
from lafast_docs.release.trust import load_cert
from lafast_docs.storage.files import atomic_write

FIELD_NAME = "Freigabe"


def _signer(keyring: Keyring) -> Any:
    """The office's signer (certificate + key) from the keyring's PKCS#12 file."""
    from pyhanko.sign import signers

    if keyring.pkcs12 is None:
        raise SigningError(
            "Für die digitale Signatur ist kein Zertifikat eingerichtet.",
            hint="Tragen Sie in der lokalen Einstellung (.git/lafast-local.yaml) „pdf: pkcs12: "
            "PFAD“ und „password_env: VARIABLE“ ein.",
        )
    try:
        return signers.SimpleSigner.load_pkcs12(
            str(keyring.pkcs12), passphrase=keyring.pdf_password()
        )
    except (ValueError, OSError) as exc:
        detail = str(exc)
    raise SigningError(
        f"Das Zertifikat lässt sich nicht öffnen{': ' + detail if detail else ''}.",
        path=keyring.pkcs12,
        hint=f"Stimmt das Kennwort in {keyring.password_env or '(keine Variable)'}? Ist es "
        "eine PKCS#12-Datei (.p12/.pfx) mit Schlüssel und Zertifikat?",
    )


def sign_pdf(path: Path, keyring: Keyring, *, reason: str, location: str = "") -> None:
    """Sign `path` in place (one incremental update) with the keyring's certificate."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = _signer(keyring)
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


def sign_detached(data: bytes, keyring: Keyring) -> bytes:
    """A detached CMS signature (DER, `.p7s`) over `data` with the office's certificate;
    `openssl cms -verify -binary -inform DER -in X.p7s -content X -CAfile CA.pem` checks it."""
    signer = _signer(keyring)
    info = asyncio.run(signer.async_sign_general_data(data, "sha256", detached=True))
    return bytes(info.dump())


def office_certificate(keyring: Keyring) -> bytes:
    """The certificate readers anchor their trust in, as PEM: the first configured trust root
    (the office's certificate authority), else the signing certificate itself."""
    from asn1crypto import pem

    if keyring.trust_roots:
        cert = load_cert(keyring.trust_roots[0])
    else:
        cert = _signer(keyring).signing_cert
    return bytes(pem.armor("CERTIFICATE", cert.dump()))


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
