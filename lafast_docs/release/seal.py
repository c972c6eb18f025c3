"""`lafast signing seal` and `lafast signing ca`: the office seal set up and checked.

A PKCS#12 file is checked before it goes into the local settings: the password opens it, it
holds a key and its certificate, the certificate may sign (key usage digital signature or
non-repudiation), it is valid today, and its chain reaches one of the trust roots (those given,
those set up, or a root carried in the file). A time-stamping service is asked for one real
timestamp. Only then is the `pdf:` section written (keyring.update_local).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lafast_docs.errors import LafastError, RevocationError, SigningError, TimestampError
from lafast_docs.release.keyring import Token, in_worktree, load_keyring, update_local
from lafast_docs.release.officeca import ROOT_CERT, SEAL, OfficeCA, Revoked, office_ca, revoke
from lafast_docs.release.publish import put, refresh_site
from lafast_docs.release.revocation import CRL_NAME
from lafast_docs.release.secret import ROOT, at_terminal, secret
from lafast_docs.release.secret import SEAL as SEAL_OPTION
from lafast_docs.release.signing import open_token, seal_cert, token_signer
from lafast_docs.release.trust import load_cert_bytes
from lafast_docs.storage.files import atomic_write
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.targets import output_target

MADE_BY = "„lafast signing seal“"


@dataclass
class SealSetup:
    subject: str = ""
    ends: dt.date | None = None
    anchor: Path | None = None  # the trust root the chain ends in
    anchor_fingerprint: str = ""  # SHA-256 of that root, upper-case hex
    timestamp_url: str = ""
    local_file: Path = Path()
    ca: OfficeCA | None = None
    notes: list[str] = field(default_factory=list)
    site_fingerprint: str = ""  # the site's checksum list was signed again (signing ca --site)


def _password(
    env: str,
    what: str = "Kennwort des Siegels",
    *,
    ask: bool = False,
    confirm: bool = False,
    option: tuple[str, str] = SEAL_OPTION,
) -> str:
    """From the variable `env`, else asked for at a terminal (secret.py); "" when no variable
    is named and `ask` is not set (a file without password)."""
    return secret(env, what=what, confirm=confirm, option=option) if env or ask else ""


def _load_pkcs12(path: Path, password: str) -> tuple[Any, Any, list[Any]]:
    """Key, certificate and the other certificates of the file; SigningError if it does not
    open with `password`."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        key, cert, extra = pkcs12.load_key_and_certificates(
            path.read_bytes(), password.encode("utf-8") if password else None
        )
    except (ValueError, OSError) as exc:
        raise SigningError(
            f"{path.name} lässt sich nicht öffnen: falsches Kennwort oder keine PKCS#12-Datei.",
            path=path,
            hint="Kennwort in der Variable von --password-env prüfen; die Datei endet meist "
            "auf .p12 oder .pfx.",
        ) from exc
    return key, cert, list(extra or [])


def _opens(path: Path, password: str) -> bool:
    try:
        _load_pkcs12(path, password)
    except SigningError:
        return False
    return True


def check_pkcs12(path: Path, password: str, roots: list[Path]) -> SealSetup:
    """The checks of the module docstring; the result names the anchor the chain ends in."""
    key, cert, extra = _load_pkcs12(path, password)
    if key is None or cert is None:
        raise SigningError(
            f"{path.name} enthält keinen Schlüssel mit Zertifikat.",
            path=path,
            hint="Die Zertifizierungsstelle um die Datei mit Schlüssel (.p12/.pfx) bitten.",
        )
    return check_certificate(cert, extra, roots, path=path)


def check_token(token: Token, roots: list[Path]) -> SealSetup:
    """The same checks for the key and certificate on a PKCS#11 token (read with its PIN)."""
    from cryptography import x509

    with open_token(token) as session:
        der = token_signer(session, token, ()).signing_cert.dump()
    return check_certificate(x509.load_der_x509_certificate(der), [], roots, path=token.module)


def check_certificate(cert: Any, extra: list[Any], roots: list[Path], *, path: Path) -> SealSetup:
    """Key usage, validity and the chain to one of `roots` or to a root in `extra`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    subject = cert.subject.rfc4514_string()
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        may_sign = usage.digital_signature or usage.content_commitment
    except x509.ExtensionNotFound:
        may_sign = True
    if not may_sign:
        raise SigningError(
            f"Das Zertifikat {subject} ist nicht zum Signieren ausgestellt (Schlüsselverwendung).",
            path=path,
            hint="Ein Zertifikat mit „digitale Signatur“ oder „Nichtabstreitbarkeit“ beantragen.",
        )
    now = dt.datetime.now(dt.UTC)
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise SigningError(
            f"Das Zertifikat {subject} ist nicht gültig (gültig "
            f"{cert.not_valid_before_utc:%d.%m.%Y} bis {cert.not_valid_after_utc:%d.%m.%Y}).",
            path=path,
            hint="Ein gültiges Zertifikat beantragen (oder „lafast signing ca“ zum Erneuern).",
        )
    candidates: list[tuple[Path | None, Any]] = [
        (p, x509.load_der_x509_certificate(load_cert_bytes(p.read_bytes(), path=p).dump()))
        for p in roots
    ]
    candidates += [(None, c) for c in extra if c.subject == c.issuer]
    result = SealSetup(subject, cert.not_valid_after_utc.date())
    chain = [cert, *(c for c in extra if c.subject != c.issuer)]
    for anchor_path, anchor in candidates:
        if _chains(chain, anchor):
            result.anchor = anchor_path
            der = anchor.public_bytes(serialization.Encoding.DER)
            result.anchor_fingerprint = hashlib.sha256(der).hexdigest().upper()
            if anchor_path is None:
                result.notes.append(
                    "Das Wurzelzertifikat steht nur in der Datei; lafast legt es als "
                    "Vertrauensanker daneben ab."
                )
            return result
    raise SigningError(
        f"Das Zertifikat {subject} führt zu keiner bekannten Zertifizierungsstelle.",
        path=path,
        hint="Das Wurzelzertifikat der Zertifizierungsstelle mit --trust-root DATEI.pem angeben.",
    )


def _chains(chain: list[Any], anchor: Any) -> bool:
    """Whether `chain` (leaf first, intermediates after) leads to `anchor` by signatures."""
    from cryptography.exceptions import InvalidSignature

    current, rest = chain[0], list(chain[1:])
    while True:
        parent = (
            anchor
            if current.issuer == anchor.subject
            else next((c for c in rest if c.subject == current.issuer), None)
        )
        if parent is None:
            return False
        try:
            current.verify_directly_issued_by(parent)
        except (ValueError, TypeError, InvalidSignature):
            return False
        if parent is anchor:
            return True
        rest.remove(parent)
        current = parent


def probe_timestamp(url: str) -> None:
    """Ask the service for one real timestamp (of a fixed digest)."""
    from pyhanko.sign.timestamps import HTTPTimeStamper

    try:
        asyncio.run(
            HTTPTimeStamper(url, timeout=10).async_timestamp(
                hashlib.sha256(b"lafast").digest(), "sha256"
            )
        )
    except Exception as exc:  # requests / pyHanko: many kinds
        raise TimestampError(
            f"Der Zeitstempeldienst {url} antwortet nicht wie erwartet ({type(exc).__name__}).",
            hint="Adresse prüfen (sie steht in den Unterlagen des Dienstes, z. B. "
            "https://…/tsr); am Netz liegt es, wenn „curl -I ADRESSE“ nicht antwortet. Nichts "
            "wurde eingetragen.",
        ) from exc


def setup_seal(
    ws: Workspace,
    *,
    pkcs12: Path | None = None,
    password_env: str = "",
    token: Token | None = None,
    timestamp_url: str | None = None,
    trust_roots: tuple[Path, ...] = (),
    crl: Path | None = None,
    password: str | None = None,
) -> SealSetup:
    """Check the seal (file or token; and the time-stamping service), then write the `pdf:`
    section. `crl`: the own authority's revocation list (None: the entry is left as it is; a
    seal from elsewhere drops it); `password`: the file's, when already known (typed)."""
    current = load_keyring(ws)
    given = [p.expanduser().absolute() for p in trust_roots]
    roots = [*given, *(p for p in current.trust_roots if p not in given)]  # added, never dropped
    result, typed = SealSetup(), ""
    if pkcs12 is not None:
        pkcs12 = pkcs12.expanduser().absolute()
        if not pkcs12.is_file():
            raise SigningError(f"Die Datei {pkcs12} gibt es nicht.", path=pkcs12)
        if in_worktree(pkcs12, ws):
            raise SigningError(
                f"{pkcs12} liegt im Arbeitsbereich; dort käme sie mit dem nächsten Speichern "
                "ins Archiv, samt Schlüssel.",
                path=pkcs12,
                hint="Die Datei außerhalb ablegen, z. B. in /etc/lafast/ oder ~/lafast-siegel/.",
            )
        typed = password if password is not None else _password(password_env)
        if password is None and not password_env and at_terminal() and not _opens(pkcs12, typed):
            # no variable named, yet the file is encrypted: a person is there to ask
            typed = secret("", what=f"Kennwort des Siegels {pkcs12.name}", key=f"pkcs12:{pkcs12}")
        result = check_pkcs12(pkcs12, typed, roots)
    if token is not None:
        result = check_token(token, roots)
    if result.anchor is None and pkcs12 is not None and result.subject:
        result.anchor = _store_carried_root(pkcs12, typed)
    if result.anchor is not None and result.anchor not in roots:
        roots.insert(0, result.anchor)
    if timestamp_url:
        probe_timestamp(timestamp_url)
        result.timestamp_url = timestamp_url

    def change(data: Any) -> None:
        pdf = data.setdefault("pdf", {})
        if token is not None:
            for old in ("pkcs12", "password_env"):
                pdf.pop(old, None)
            pdf["pkcs11"] = {
                "module": str(token.module),
                "token": token.token,
                "key": token.key,
                **({"pin_env": token.pin_env} if token.pin_env else {}),
            }
        if pkcs12 is not None:
            pdf.pop("pkcs11", None)
            pdf["pkcs12"] = str(pkcs12)
            if password_env:
                pdf["password_env"] = password_env
            else:
                pdf.pop("password_env", None)
        if crl is not None:
            pdf["crl"] = str(crl)
        elif pkcs12 is not None or token is not None:
            pdf.pop("crl", None)  # another authority's seal: the own CA's list is not its
        if roots:
            pdf["trust_roots"] = [str(p) for p in roots]
        if timestamp_url is not None:
            pdf["timestamp_url"] = timestamp_url

    result.local_file = update_local(ws, change, made_by=MADE_BY)
    return result


def _store_carried_root(p12: Path, password: str) -> Path:
    """The root certificate carried in the PKCS#12 file, written beside it as a PEM file."""
    from cryptography.hazmat.primitives.serialization import Encoding

    _key, _cert, extra = _load_pkcs12(p12, password)
    root = next(c for c in extra if c.subject == c.issuer)
    target = p12.with_name(p12.stem + "-wurzel.pem")
    atomic_write(target, root.public_bytes(Encoding.PEM))
    return target


def setup_office_ca(
    ws: Workspace,
    folder: Path,
    *,
    password_env: str,
    root_password_env: str,
    timestamp_url: str | None = None,
    site: Path | None = None,
) -> SealSetup:
    """Create (or renew from) the office's own authority in `folder`, then set its seal up;
    with `site`, sign the website's checksum list again with the new seal (after a
    revocation the old signature no longer counts) and put the CRL there."""
    target = output_target(ws, site, option="--site") if site is not None else None
    folder = folder.expanduser().absolute()
    url = crl_url(ws)
    new_root = not (folder / ROOT_CERT).exists()
    root_password = _password(
        root_password_env, "Kennwort der Wurzel", ask=True, confirm=new_root, option=ROOT
    )
    seal_password = _password(password_env, "Kennwort für das Siegel", ask=True, confirm=True)
    ca = office_ca(
        folder,
        organisation=ws.config.org_name or "Fachstelle",
        short=ws.config.org_short,
        root_password=root_password,
        seal_password=seal_password,
        crl_url=url,
    )
    result = setup_seal(
        ws,
        pkcs12=ca.seal,
        password_env=password_env,
        timestamp_url=timestamp_url,
        trust_roots=(ca.root_cert,),
        crl=ca.crl,
        password=seal_password,
    )
    result.ca = ca
    if target is not None:
        result.site_fingerprint = refresh_site(ws, target)
    if not url:
        result.notes.append(
            "In lafast.yaml steht keine Adresse der Website (organisation: website): das Siegel "
            "nennt daher keine Adresse seiner Sperrliste. Ein Widerruf wirkt dann nur, wo die "
            "Sperrliste mitgeprüft wird (lafast verify --site ORDNER oder --crl DATEI). Adresse "
            "eintragen und das Siegel erneuern („lafast signing ca“ noch einmal)."
        )
    return result


def crl_url(ws: Workspace) -> str:
    """Where the site serves the authority's CRL: beside the root certificate, at the site's
    public address from lafast.yaml ("" when none is configured)."""
    website = ws.config.org_website.rstrip("/")
    return f"{website}/{CRL_NAME}" if website.startswith(("https://", "http://")) else ""


def revoke_seal(
    ws: Workspace,
    folder: Path,
    *,
    seal: Path | None = None,
    password_env: str = "",
    root_password_env: str = "",
    at: dt.datetime | None = None,
    reason: str = "schluessel",
    site: Path | None = None,
) -> Revocation:
    """Revoke a seal of the own authority in `folder` (its certificate file, or a PKCS#12
    file opened with `password_env`; default: the current seal there) and, with `site`, put
    the new CRL on the website at once. The root key's password: from `root_password_env`,
    else asked for at a terminal, once everything else is known to be right."""
    folder = folder.expanduser().absolute()
    if not (folder / ROOT_CERT).is_file():
        raise RevocationError(
            f"In {folder} liegt keine eigene Zertifizierungsstelle ({ROOT_CERT} fehlt).",
            path=folder,
            hint="Den Ordner angeben, den „lafast signing ca“ angelegt hat.",
        )
    seal = (seal or folder / SEAL).expanduser().absolute()
    cert = _seal_certificate_of(seal, password_env)
    target = output_target(ws, site, option="--site") if site is not None else None
    root_password = _password(root_password_env, "Kennwort der Wurzel", ask=True, option=ROOT)
    revoked = revoke(folder, cert, root_password=root_password, at=at, reason=reason)
    if target is not None:
        target.mkdir(parents=True, exist_ok=True)
    published = put(target, CRL_NAME, revoked.crl.read_bytes()) if target is not None else None
    ring = load_keyring(ws)
    return Revocation(revoked, published, _same_cert(ring, cert))


@dataclass(frozen=True)
class Revocation:
    revoked: Revoked
    published: Path | None  # the CRL written into the site
    in_use: bool  # the revoked seal is the one set up on this machine


def _seal_certificate_of(path: Path, password_env: str) -> Any:
    """The certificate in a PKCS#12 file or a certificate file (PEM/DER)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import pkcs12

    if not path.is_file():
        raise SigningError(f"Die Datei {path} gibt es nicht.", path=path)
    raw = path.read_bytes()
    if path.suffix.lower() in (".p12", ".pfx"):
        try:
            _key, cert, _extra = pkcs12.load_key_and_certificates(
                raw, _password(password_env, f"Kennwort von {path.name}", ask=True).encode()
            )
        except ValueError as exc:
            raise SigningError(
                f"{path.name} lässt sich nicht öffnen: falsches Kennwort oder keine PKCS#12-Datei.",
                path=path,
                hint="Das Kennwort des Siegels mit --password-env VARIABLE angeben – oder "
                "statt der .p12-Datei das Zertifikat aus dem Ordner „ausgestellt“.",
            ) from exc
        assert cert is not None
        return cert
    return x509.load_der_x509_certificate(load_cert_bytes(raw, path=path).dump())


def _same_cert(ring: Any, cert: Any) -> bool:
    from cryptography.hazmat.primitives.serialization import Encoding

    if not ring.has_seal:
        return False
    try:
        return bytes(seal_cert(ring).dump()) == cert.public_bytes(Encoding.DER)
    except LafastError:
        return False
