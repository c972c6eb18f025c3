"""Certificate revocation lists (CRL, RFC 5280) of the office's own authority, and how
`lafast verify` applies a CRL it is given or finds.

The authority (officeca.py) issues a CRL signed with its root key: at creation (empty), at every
renewal of the seal and at every revocation (`lafast signing revoke`). It lives beside the root
as `sperrliste.crl` (DER); `lafast publish` puts it on the website beside the root certificate,
at the address every seal certificate names as its CRL distribution point.

The rule of `verify`, the same as with `--online` (pyHanko's revocation check): a certificate
revoked at R fails a signature made at or after R, judged at the signature's trusted time (its
RFC 3161 timestamp); a signature without a trusted timestamp is judged now, so any revocation
fails it. A CRL counts only when it is signed by the very trust anchor the signature's chain
ends in (the office's root): a CRL in the file or next to it proves nothing by itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs.errors import CrlUnreadable
from lafast_docs.release.trust import SigCheck

CRL_NAME = "sperrliste.crl"
CRL_DAYS = 730  # a CRL's next update: renewed with the seal (every two years) or earlier
REASONS = {
    "schluessel": "keyCompromise",  # the key was lost or stolen
    "ersetzt": "superseded",  # a new seal replaces it
    "eingestellt": "cessationOfOperation",  # no longer used
}


@dataclass(frozen=True)
class Entry:
    serial: int
    revoked: dt.datetime  # UTC
    reason: str = ""  # cryptography's ReasonFlags value, e.g. "keyCompromise"


def build_crl(
    root: Any, root_key: Any, entries: list[Entry], *, number: int, now: dt.datetime | None = None
) -> bytes:
    """A CRL (DER) of `entries`, signed with the root's key, numbered `number`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(root.subject)
        .last_update(now - dt.timedelta(minutes=5))
        .next_update(now + dt.timedelta(days=CRL_DAYS))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
    )
    for e in entries:
        revoked = (
            x509.RevokedCertificateBuilder().serial_number(e.serial).revocation_date(e.revoked)
        )
        if e.reason:
            revoked = revoked.add_extension(
                x509.CRLReason(x509.ReasonFlags(e.reason)), critical=False
            )
        builder = builder.add_revoked_certificate(revoked.build())
    crl = builder.sign(root_key, hashes.SHA256())
    return bytes(crl.public_bytes(serialization.Encoding.DER))


def load_crl(raw: bytes, *, path: Path | None = None) -> Any:
    """A CRL from DER or PEM bytes, or a German error naming the file."""
    from cryptography import x509

    try:
        if raw.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_crl(raw)
        return x509.load_der_x509_crl(raw)
    except ValueError as exc:
        raise CrlUnreadable(
            f"{path or 'Die Angabe'} ist keine lesbare Sperrliste (CRL, DER oder PEM).",
            path=path,
            hint="Die Sperrliste erneut von der Website der Fachstelle laden (sperrliste.crl).",
        ) from exc


def entries_of(crl: Any) -> tuple[list[Entry], int]:
    """The revoked certificates of `crl` and its number (0 when it has none)."""
    from cryptography import x509

    out = []
    for r in crl:
        try:
            reason = r.extensions.get_extension_for_class(x509.CRLReason).value.reason.value
        except x509.ExtensionNotFound:
            reason = ""
        out.append(Entry(r.serial_number, r.revocation_date_utc, reason))
    try:
        number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        number = 0
    return out, int(number)


def read_crls(paths: list[Path]) -> list[tuple[Path, Any]]:
    """Each file as a CRL (refused with its name when unreadable), duplicates once."""
    seen, out = set(), []
    for path in paths:
        raw = path.read_bytes()
        if raw in seen:
            continue
        seen.add(raw)
        out.append((path, load_crl(raw, path=path)))
    return out


def apply_crls(
    check: SigCheck,
    crls: list[tuple[Path, Any]],
    *,
    at: dt.datetime | None = None,
    label: str = "Signatur",
) -> list[str]:
    """Judge `check` (a signature judged trusted) against the CRLs: a problem when its
    certificate was revoked at or before the signature's trusted time (or at all, without
    one); notes on a later revocation and on CRLs that do not count."""
    from cryptography import x509

    if check.trusted is not True or not check.cert or not check.anchor:
        return []
    cert = x509.load_der_x509_certificate(check.cert)
    anchor = x509.load_der_x509_certificate(check.anchor)
    notes: list[str] = []
    for path, crl in crls:
        if crl.issuer != cert.issuer:
            continue  # another authority's list
        if crl.issuer != anchor.subject or not crl.is_signature_valid(anchor.public_key()):
            notes.append(
                f"Die Sperrliste {path.name} ist nicht vom Vertrauensanker ausgestellt und "
                "wurde nicht berücksichtigt."
            )
            continue
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is None:
            notes.append(
                f"Sperrliste {path.name} (Stand {crl.last_update_utc:%d.%m.%Y}): das Zertifikat "
                f"der {label} ist nicht widerrufen."
            )
            continue
        revoked = entry.revocation_date_utc
        when = check.signed_at if check.timestamped else (at or dt.datetime.now(dt.UTC))
        assert when is not None
        if not check.timestamped or when >= revoked:
            check.trusted = False
            check.problems.append(
                f"Das Zertifikat der Signatur wurde am {revoked.astimezone():%d.%m.%Y %H:%M} "
                f"widerrufen (Sperrliste {path.name})"
                + (
                    " – vor dem Zeitpunkt der Signatur."
                    if check.timestamped
                    else "; die Signatur trägt keinen Zeitstempel, der zeigt, dass sie vorher "
                    "entstand."
                )
            )
            return notes
        notes.append(
            f"Das Zertifikat der {label} wurde am {revoked.astimezone():%d.%m.%Y %H:%M} "
            "widerrufen, nach ihrem Zeitstempel: die Signatur bleibt gültig."
        )
    return notes
