"""Digital signatures with the office's certificate (pyHanko): final PDFs (PAdES) and the site's
checksum list (detached CMS); their validation is `trust.py`.

PAdES level: B-B without a time-stamping service. With `pdf: timestamp_url` (RFC 3161) the
signature carries a trusted time (B-T) and, in a second incremental update, the validation data
(the certificates, OCSP responses and CRLs of the signer's and the timestamp's chains, fetched
from the addresses in the certificates; B-LT), so it can be checked after the certificate has
expired. The chains are built to `trust_roots` (and the self-signed certificates in the PKCS#12
file): the time-stamping service's root belongs there too.

The certificate is a PKCS#12 file named in the local keyring (never in the repository); its
password comes from an environment variable. EC keys (P-256) are recommended: signing costs a
few milliseconds, RSA-3072 about 0.3 s per signature.

`make_authority` builds a small certificate authority and a signing certificate for the demo
and the tests; a real office uses the certificate of its trust service provider, a token
(PKCS#11) or its own authority (officeca.py).
"""

from __future__ import annotations

import asyncio
import functools
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs.errors import SigningError, TimestampError
from lafast_docs.release.keyring import Keyring, Token
from lafast_docs.release.officeca import root_certificate, seal_certificate, write_pkcs12
from lafast_docs.release.revocation import load_crl
from lafast_docs.release.secret import at_terminal, forget, secret
from lafast_docs.release.trust import load_cert
from lafast_docs.storage.files import atomic_write

FIELD_NAME = "Freigabe"


@contextmanager
def open_signer(keyring: Keyring) -> Iterator[Any]:
    """The office's signer (certificate + key): from the PKCS#12 file, or from the PKCS#11
    token, whose session is closed again afterwards."""
    if keyring.pkcs11 is not None:
        with open_token(keyring.pkcs11) as session:
            yield token_signer(session, keyring.pkcs11, keyring.trust_roots)
        return
    yield _file_signer(keyring)


def _file_signer(keyring: Keyring) -> Any:
    from pyhanko.sign import signers

    if keyring.pkcs12 is None:
        raise SigningError(
            "Für die digitale Signatur ist kein Siegel eingerichtet.",
            hint="„lafast signing seal --pkcs12 DATEI --password-env VARIABLE“ oder "
            "„lafast signing ca ORDNER …“ (README, „Signatur einrichten“).",
        )
    password, detail = keyring.pdf_password(), ""
    for attempt in (1, 2):
        try:
            # pyHanko logs a wrong password and returns None; other damage raises
            signer = signers.SimpleSigner.load_pkcs12(str(keyring.pkcs12), passphrase=password)
        except (ValueError, OSError) as exc:
            signer, detail = None, str(exc)
        if signer is not None:
            return signer
        forget(keyring.password_key)  # a typed password that is wrong is not kept
        if attempt == 2 or keyring.password_env or not at_terminal():
            break
        # no variable set up: the file may be encrypted all the same; a person is there to ask
        password = secret("", what=keyring.password_label, key=keyring.password_key).encode()
    raise SigningError(
        f"Das Zertifikat lässt sich nicht öffnen{': ' + detail if detail else ''}.",
        path=keyring.pkcs12,
        hint=f"Stimmt das Kennwort ({keyring.password_env or 'eingetippt'})? Ist es "
        "eine PKCS#12-Datei (.p12/.pfx) mit Schlüssel und Zertifikat?",
    )


@contextmanager
def open_token(token: Token) -> Iterator[Any]:
    """A logged-in session on the token (closed afterwards), with German errors."""
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import open_pkcs11_session

    try:
        session = open_pkcs11_session(
            str(token.module),
            token_criteria=TokenCriteria(label=token.token),
            user_pin=token.pin() or None,
        )
    except SigningError:
        raise
    except Exception as exc:  # python-pkcs11 / pyHanko: many kinds (no token, wrong PIN)
        raise SigningError(
            f"Der Token „{token.token}“ lässt sich nicht öffnen ({type(exc).__name__}: "
            f"{str(exc)[:120]}).",
            path=token.module,
            hint="Ist der Token eingesteckt, stimmen Bezeichnung und PIN (Variable "
            f"{token.pin_env or '–'})? Die Bibliothek unter pkcs11: module prüfen.",
        ) from exc
    try:
        yield session
    finally:
        session.close()


def token_signer(session: Any, token: Token, roots: tuple[Path, ...]) -> Any:
    """The signer on an open token: key and certificate under the label `token.key`, the
    trust roots carried in the signature (so a reader's pinned fingerprint finds them)."""
    from pyhanko.sign.pkcs11 import PKCS11Signer

    try:
        signer = PKCS11Signer(session, key_label=token.key, ca_chain=[load_cert(p) for p in roots])
        # hash here, sign on the token: many tokens (SoftHSM2 among them) offer ECDSA only
        # raw, without the combined ECDSA-SHA256 mechanism
        signer.use_raw_mechanism = signer.signing_cert.public_key.algorithm == "ec"
    except Exception as exc:  # pyHanko: the key or the certificate is not there
        raise SigningError(
            f"Auf dem Token „{token.token}“ fehlt der Schlüssel oder das Zertifikat "
            f"„{token.key}“ ({str(exc)[:120]}).",
            hint="Die Bezeichnung (Label) unter pkcs11: key prüfen; Zertifikat und Schlüssel "
            "müssen dieselbe tragen.",
        ) from exc
    return signer


TIMEOUT = 10  # seconds for the time-stamping service and each OCSP/CRL request


def sign_pdf(path: Path, keyring: Keyring, *, reason: str, location: str = "") -> None:
    """Sign `path` in place with the keyring's certificate: one incremental update (B-B, B-T),
    two with validation data (B-LT)."""
    atomic_write(path, sign_pdf_bytes(path.read_bytes(), keyring, reason=reason, location=location))


def sign_pdf_bytes(
    data: bytes, keyring: Keyring, *, reason: str, location: str = "", validation_data: bool = True
) -> bytes:
    """`data` signed; with a time-stamping service at B-LT (B-T: `validation_data=False`)."""
    with open_signer(keyring) as signer:
        return _sign(data, keyring, signer, reason, location, validation_data)


def _sign(
    data: bytes, keyring: Keyring, signer: Any, reason: str, location: str, validation: bool
) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    _refuse_revoked(keyring, signer)
    timestamper, context = _long_term(keyring, signer)
    context = context if validation else None
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location or None,
        embed_validation_info=context is not None,
        validation_context=context,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    try:
        out = signers.sign_pdf(writer, meta, signer=signer, timestamper=timestamper)
    except Exception as exc:  # pyHanko: many kinds for an unreachable or untrusted service
        if timestamper is None:
            raise
        raise _timestamp_error(keyring, exc) from exc
    return bytes(out.getvalue())


def _refuse_revoked(keyring: Keyring, signer: Any) -> None:
    """No signature with a seal on the own authority's CRL (with or without a timestamp)."""
    if keyring.crl is None:
        return
    cert = signer.signing_cert
    crl = load_crl(keyring.crl.read_bytes(), path=keyring.crl)
    if crl.issuer.public_bytes() != cert.issuer.dump():
        return
    entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    if entry is not None:
        raise SigningError(
            f"Das Siegel ist seit {entry.revocation_date_utc.astimezone():%d.%m.%Y %H:%M} "
            f"widerrufen (Sperrliste {keyring.crl}). Die PDF-Datei wurde nicht signiert.",
            path=keyring.pkcs12,
            hint="Ein neues Siegel ausstellen: „lafast signing ca ORDNER …“ (README, „Siegel "
            "widerrufen“).",
        )


# inside `signing_run`: the validation context per service, roots and seal, so that its OCSP
# responses and CRLs serve every PDF of one `render --final --archive` or `publish`
_runs: list[dict[tuple[Any, ...], Any]] = []


@contextmanager
def signing_run() -> Iterator[None]:
    """One run that signs several PDFs: the validation data is fetched once for all of them
    (never kept beyond the run: a revocation must count at the next one)."""
    _runs.append({})
    try:
        yield
    finally:
        _runs.pop()


def _long_term(keyring: Keyring, signer: Any) -> tuple[Any, Any]:
    """The time-stamping client and the context that gathers validation data (B-T/B-LT), or
    (None, None) when no service is configured (B-B)."""
    if not keyring.timestamp_url:
        return None, None
    from pyhanko_certvalidator import ValidationContext

    carried = list(signer.cert_registry)
    key = (
        keyring.timestamp_url,
        keyring.trust_roots,
        keyring.crl,
        keyring.crl.stat().st_mtime_ns if keyring.crl is not None else 0,
        signer.signing_cert.sha256,
    )
    cached = _runs[-1].get(key) if _runs else None
    if cached is not None:
        return _timestamper(keyring.timestamp_url), cached
    roots = [load_cert(p) for p in keyring.trust_roots]
    roots += [c for c in carried if c.self_signed in ("maybe", "yes")]
    context = ValidationContext(
        trust_roots=roots,
        other_certs=carried,
        # the own authority's CRL from its folder: embedded without fetching it from the
        # website, where it may not be yet (first signature before the first publication)
        crls=[keyring.crl.read_bytes()] if keyring.crl is not None else [],
        allow_fetching=True,
        revocation_mode="hard-fail",
        # the OCSP answers are fetched after the timestamp was made, seconds later on a busy
        # machine: without this, pyHanko rejects them as "too recent" for the timestamp's time
        retroactive_revinfo=True,
    )
    if _runs:
        _runs[-1][key] = context
    return _timestamper(keyring.timestamp_url), context


@functools.cache
def _timestamper(url: str) -> Any:
    """One client per service and process: its HTTP session (and TLS set-up, ~0.18 s) serves
    every signature of a `render --final` and `publish`."""
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(url, timeout=TIMEOUT)


def _timestamp_error(keyring: Keyring, exc: Exception) -> SigningError:
    detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
    if "signer's certificate" in detail:
        return SigningError(
            "Das Zertifikat des Siegels lässt sich nicht bestätigen: widerrufen, abgelaufen, ohne "
            "Weg zu einer Zertifizierungsstelle unter „pdf: trust_roots“ oder sein Sperrstatus "
            "(OCSP/CRL) ist nicht abrufbar. Die PDF-Datei wurde nicht signiert.",
            path=keyring.pkcs12,
            hint="Mit „lafast doctor“ prüfen; ein widerrufenes Zertifikat durch ein neues "
            "ersetzen (README, „Siegel erneuern“).",
        )
    if "path" in detail.lower() or "trust" in detail.lower():
        return TimestampError(
            f"Der Zeitstempel von {keyring.timestamp_url} lässt sich nicht prüfen: {detail}",
            hint="Das Wurzelzertifikat des Zeitstempeldienstes unter „pdf: trust_roots“ in "
            f"{keyring.path or 'der lokalen Einstellung'} eintragen.",
        )
    return TimestampError(
        f"Der Zeitstempeldienst {keyring.timestamp_url} antwortet nicht wie erwartet: {detail}",
        hint="Netzwerk und Adresse prüfen (pdf: timestamp_url); die PDF-Datei wurde nicht "
        "signiert, nichts wurde geschrieben.",
    )


def sign_detached(data: bytes, keyring: Keyring) -> bytes:
    """A detached CMS signature (DER, `.p7s`) over `data` with the office's certificate;
    `openssl cms -verify -binary -inform DER -in X.p7s -content X -CAfile CA.pem` checks it."""
    with open_signer(keyring) as signer:
        info = asyncio.run(signer.async_sign_general_data(data, "sha256", detached=True))
    return bytes(info.dump())


def seal_cert(keyring: Keyring) -> Any:
    """The seal's certificate (asn1crypto), from its file or token."""
    with open_signer(keyring) as signer:
        return signer.signing_cert


def office_certificate(keyring: Keyring) -> bytes:
    """The certificate readers anchor their trust in, as PEM: the first configured trust root
    (the office's certificate authority), else the signing certificate itself."""
    from asn1crypto import pem

    if keyring.trust_roots:
        cert = load_cert(keyring.trust_roots[0])
    else:
        with open_signer(keyring) as signer:
            cert = signer.signing_cert
    return bytes(pem.armor("CERTIFICATE", cert.dump()))


@dataclass(frozen=True)
class Authority:
    ca_cert: Path  # PEM, for trust_roots
    pkcs12: Path  # signing certificate + EC key
    password: str


def make_authority(folder: Path, *, organisation: str, password: str, short: str = "") -> Authority:
    """A certificate authority and an EC (P-256) signing certificate issued by it, for the demo
    and the tests; the PKCS#12 file is encrypted with `password` (none when empty: demo only).
    An office without an authority of its own uses `officeca.office_ca` instead."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    folder.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = root_certificate(
        organisation, ca_key, days=3650, label="Test-Zertifizierungsstelle", short=short
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = seal_certificate(organisation, key.public_key(), ca, ca_key, days=825, short=short)
    ca_path = folder / "zertifizierungsstelle.pem"
    atomic_write(ca_path, ca.public_bytes(serialization.Encoding.PEM))
    p12_path = folder / "siegel.p12"
    write_pkcs12(p12_path, key, cert, [ca], password)
    return Authority(ca_path, p12_path, password)
