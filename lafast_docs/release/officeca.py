"""The office's own certification authority, for an office without one (`lafast signing ca`).

Two levels, as small public authorities do it: a root (EC P-384, 20 years) whose key is stored
encrypted in its own file and needed only to issue or renew a seal certificate, so it can live
on a USB stick in a safe; and the seal (EC P-256, two years) in a PKCS#12 file on the computer
that signs. Both say what they are: the root's name ends in "eigene Zertifizierungsstelle
(lafast)", and a reader's trust comes only from the root certificate and its fingerprint, which
`lafast publish` puts on the website (`zertifikat.pem`) and the office publishes in its imprint.

Renewal issues a new seal from the same root: files signed with the old seal stay "echt" (they
chain to the same anchor; with timestamps also after the old seal has expired). The old PKCS#12
file is kept under its end date.

Revocation: every seal names the address of the authority's CRL on the website (its CRL
distribution point, when lafast.yaml has `organisation: website`); `revoke` puts a seal on the
CRL (`sperrliste.crl`, signed with the root key), which `lafast publish` copies onto the site.
Each issued seal certificate is kept in `ausgestellt/` so that it can be revoked by file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs.errors import RevocationError, SigningError
from lafast_docs.release.revocation import CRL_NAME, REASONS, Entry, build_crl, entries_of, load_crl
from lafast_docs.storage.files import atomic_write

ROOT_CERT = "wurzel.pem"  # the trust anchor: published, pinned by readers
ROOT_KEY = "wurzel-schluessel.pem"  # encrypted; only for issuing and renewing
SEAL = "siegel.p12"
ROOT_LABEL = "eigene Zertifizierungsstelle (lafast)"
ISSUED = "ausgestellt"  # a copy of every seal certificate issued, by serial number
ROOT_YEARS, SEAL_DAYS = 20, 730
NOTE = """Eigene Zertifizierungsstelle der Fachstelle, angelegt von lafast
============================================================

wurzel.pem              Wurzelzertifikat: der Vertrauensanker. Veröffentlichen (lafast publish
                        legt es als zertifikat.pem auf die Website) und den Fingerabdruck im
                        Impressum nennen.
wurzel-schluessel.pem   Schlüssel der Wurzel, verschlüsselt. Nur zum Erneuern des Siegels nötig:
                        auf einen USB-Stick kopieren, sicher verwahren, hier löschen.
siegel.p12              Siegel der Fachstelle (Schlüssel und Zertifikat) für die PDF-Signatur;
                        bleibt auf dem Rechner, der endgültige Fassungen erzeugt.
sperrliste.crl          Sperrliste (widerrufene Siegel), mit der Wurzel signiert; lafast publish
                        legt sie auf die Website. Widerrufen: lafast signing revoke ORDNER.
ausgestellt/            Kopien aller ausgestellten Siegel-Zertifikate (zum Widerrufen).

Dies ist keine öffentliche Zertifizierungsstelle: Leser*innen vertrauen ihr nur, weil die
Fachstelle den Fingerabdruck der Wurzel selbst veröffentlicht.
"""


@dataclass(frozen=True)
class OfficeCA:
    folder: Path
    root_cert: Path
    seal: Path
    seal_ends: dt.date
    created: bool  # a new root (False: the seal was renewed from the existing one)
    retired: Path | None = None  # the previous seal, kept under its end date
    crl: Path | None = None  # the authority's CRL, reissued with every seal
    crl_url: str = ""  # the CRL distribution point the seal names ("" none)


def short_name(organisation: str, short: str = "") -> str:
    """The name in certificate names (64 characters at most): the short name, else the
    organisation's name cut at a word."""
    if short:
        return short[:30]
    if len(organisation) <= 30:
        return organisation
    return organisation[:30].rsplit(" ", 1)[0].rstrip("-–,")


def _name(organisation: str, cn: str) -> Any:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, cn[:64]),
        ]
    )


def root_certificate(organisation: str, key: Any, *, days: int, label: str, short: str = "") -> Any:
    """A self-signed CA certificate that may issue end-entity certificates only."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    name = _name(organisation, f"{short_name(organisation, short)} – {label}")
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )


def seal_certificate(
    organisation: str,
    public_key: Any,
    root: Any,
    root_key: Any,
    *,
    days: int,
    short: str = "",
    crl_url: str = "",
) -> Any:
    """The seal: digital signature and non-repudiation, issued by `root`; `crl_url`: where
    the root's CRL is published (the CRL distribution point)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID

    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    builder = x509.CertificateBuilder()
    if crl_url:
        point = x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    return (
        builder.subject_name(_name(organisation, f"{short_name(organisation, short)} – Siegel"))
        .issuer_name(root.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(min(now + dt.timedelta(days=days), root.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), False)
        .sign(root_key, hashes.SHA256())
    )


def write_pkcs12(path: Path, key: Any, cert: Any, chain: list[Any], password: str) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    blob = pkcs12.serialize_key_and_certificates(
        b"lafast-siegel",
        key,
        cert,
        chain,
        serialization.BestAvailableEncryption(password.encode("utf-8"))
        if password
        else serialization.NoEncryption(),
    )
    atomic_write(path, blob, mode=0o600)


def office_ca(
    folder: Path,
    *,
    organisation: str,
    short: str = "",
    root_password: str,
    seal_password: str,
    seal_days: int = SEAL_DAYS,
    crl_url: str = "",
) -> OfficeCA:
    """Create the authority in `folder` (root + seal + CRL), or, if its root is there, issue a
    new seal from it (renewal; the CRL is reissued). Passwords: the root key's and the seal
    file's (both required). `crl_url`: the CRL's address on the website ("" none)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    if not root_password or not seal_password:
        raise SigningError(
            "Für die eigene Zertifizierungsstelle sind zwei Kennwörter nötig: für den "
            "Schlüssel der Wurzel und für das Siegel.",
            hint="Als Umgebungsvariablen übergeben: --root-password-env VARIABLE und "
            "--password-env VARIABLE.",
        )
    folder.mkdir(parents=True, exist_ok=True)
    root_path, key_path = folder / ROOT_CERT, folder / ROOT_KEY
    created = not root_path.exists()
    if created:
        root_key = ec.generate_private_key(ec.SECP384R1())
        root = root_certificate(
            organisation, root_key, days=ROOT_YEARS * 365, label=ROOT_LABEL, short=short
        )
        encryption = serialization.BestAvailableEncryption(root_password.encode("utf-8"))
        pem = serialization.Encoding.PEM
        atomic_write(
            key_path,
            root_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, encryption),
            mode=0o600,
        )
        atomic_write(root_path, root.public_bytes(pem))
        atomic_write(folder / "LIESMICH.txt", NOTE)
    else:
        root, root_key = _load_root(root_path, key_path, root_password)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = seal_certificate(
        organisation, key.public_key(), root, root_key, days=seal_days, short=short, crl_url=crl_url
    )
    seal, retired = folder / SEAL, None
    if seal.exists():
        old = _seal_end(seal, seal_password)
        retired = folder / f"siegel-bis-{old:%Y-%m-%d}.p12"
        seal.replace(retired)
    write_pkcs12(seal, key, cert, [root], seal_password)
    assert isinstance(cert, x509.Certificate)
    _keep_issued(folder, cert)
    crl = _reissue_crl(folder, root, root_key, [])
    ends = cert.not_valid_after_utc.date()
    return OfficeCA(folder, root_path, seal, ends, created, retired, crl, crl_url)


def _keep_issued(folder: Path, cert: Any) -> Path:
    from cryptography.hazmat.primitives import serialization

    path = folder / ISSUED / f"siegel-{cert.serial_number:x}.pem"
    path.parent.mkdir(exist_ok=True)
    atomic_write(path, cert.public_bytes(serialization.Encoding.PEM))
    return path


def _reissue_crl(folder: Path, root: Any, root_key: Any, new: list[Entry]) -> Path:
    """The CRL with its entries so far and `new`, numbered one higher, fresh for two years."""
    path = folder / CRL_NAME
    entries: list[Entry] = []
    number = 0
    if path.is_file():
        entries, number = entries_of(load_crl(path.read_bytes(), path=path))
    atomic_write(path, build_crl(root, root_key, [*entries, *new], number=number + 1))
    return path


@dataclass(frozen=True)
class Revoked:
    serial: int
    subject: str
    at: dt.datetime
    crl: Path
    already: bool  # it was on the CRL before (nothing changed)


def revoke(
    folder: Path, cert: Any, *, root_password: str, at: dt.datetime | None = None, reason: str
) -> Revoked:
    """Put the seal certificate `cert` (cryptography) on the authority's CRL, revoked at `at`
    (now when None; never in the future), signed with the root key."""
    from cryptography.exceptions import InvalidSignature

    folder = folder.expanduser().absolute()
    root_path = folder / ROOT_CERT
    if not root_path.is_file():
        raise RevocationError(
            f"In {folder} liegt keine eigene Zertifizierungsstelle ({ROOT_CERT} fehlt).",
            path=folder,
            hint="Den Ordner angeben, den „lafast signing ca“ angelegt hat.",
        )
    root, root_key = _load_root(root_path, folder / ROOT_KEY, root_password)
    subject = cert.subject.rfc4514_string()
    try:
        cert.verify_directly_issued_by(root)
    except (ValueError, TypeError, InvalidSignature) as exc:
        raise RevocationError(
            f"Das Zertifikat {subject} stammt nicht aus dieser Zertifizierungsstelle.",
            path=root_path,
            hint="Nur Siegel dieser Wurzel lassen sich hier widerrufen; ein Zertifikat einer "
            "anderen Stelle widerruft diese Stelle.",
        ) from exc
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    when = (at or now).astimezone(dt.UTC).replace(microsecond=0)
    if when > now + dt.timedelta(minutes=1):
        raise RevocationError(
            f"Ein Widerruf gilt ab jetzt oder ab einem vergangenen Zeitpunkt, nicht ab "
            f"{when.astimezone():%d.%m.%Y %H:%M}.",
            hint="--seit weglassen (ab jetzt) oder den Zeitpunkt angeben, seit dem der "
            "Schlüssel nicht mehr sicher ist.",
        )
    crl_path = folder / CRL_NAME
    if crl_path.is_file():
        entries, _number = entries_of(load_crl(crl_path.read_bytes(), path=crl_path))
        old = next((e for e in entries if e.serial == cert.serial_number), None)
        if old is not None:
            return Revoked(cert.serial_number, subject, old.revoked, crl_path, True)
    entry = Entry(cert.serial_number, when, REASONS[reason])
    return Revoked(
        cert.serial_number, subject, when, _reissue_crl(folder, root, root_key, [entry]), False
    )


def _load_root(root_path: Path, key_path: Path, password: str) -> tuple[Any, Any]:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    if not key_path.is_file():
        raise SigningError(
            f"Zum Erneuern des Siegels fehlt der Schlüssel der Wurzel ({key_path.name}).",
            path=key_path,
            hint=f"Den verwahrten Schlüssel (USB-Stick) nach {key_path} kopieren, erneuern, "
            "danach wieder entfernen.",
        )
    root = x509.load_pem_x509_certificate(root_path.read_bytes())
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password.encode("utf-8"))
    except (ValueError, TypeError) as exc:
        raise SigningError(
            "Der Schlüssel der Wurzel lässt sich mit diesem Kennwort nicht öffnen.",
            path=key_path,
            hint="Das Kennwort der Wurzel in der Variable von --root-password-env prüfen.",
        ) from exc
    if key.public_key() != root.public_key():
        raise SigningError(
            f"{key_path.name} ist nicht der Schlüssel zu {root_path.name}.", path=key_path
        )
    return root, key


def _seal_end(seal: Path, password: str) -> dt.date:
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        _key, cert, _chain = pkcs12.load_key_and_certificates(
            seal.read_bytes(), password.encode("utf-8")
        )
    except ValueError as exc:
        raise SigningError(
            f"Das bisherige Siegel {seal.name} lässt sich nicht öffnen.",
            path=seal,
            hint="Das Kennwort des Siegels in der Variable von --password-env prüfen.",
        ) from exc
    assert cert is not None
    return cert.not_valid_after_utc.date()
