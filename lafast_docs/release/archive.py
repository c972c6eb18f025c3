"""`lafast signing archive --site DIR`: archive timestamps on published final PDFs (PAdES B-LTA).

A signature timestamp proves its time only while the time-stamping service's certificate is
valid (timestamps.py, `proven_until`). Before that ends, every signed PDF on the site gets, in
one incremental update each (the signed bytes stay as they are), fresh validation data for its
newest timestamp and a new document timestamp from the configured service (pyHanko's
`PdfTimeStamper.async_update_archival_timestamp_chain`). Repeated every few years, this keeps
a signature provable for as long as the office keeps doing it.

All files are stamped in memory first; only when every one succeeded are they written, the
catalogue's checksums updated and the checksum list signed again (publish.write_site). A
reader's older copy stays "echt": its own signature proves it (verify.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lafast_docs.errors import ArchiveError, SigningError
from lafast_docs.release.keyring import Keyring, load_keyring, update_local
from lafast_docs.release.publish import load_catalogue, put, site_path, write_site
from lafast_docs.release.signing import _timestamp_error, _timestamper
from lafast_docs.release.trust import load_certs
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.targets import output_target

FIELD_PREFIX = "Archivzeitstempel"
MADE_BY = "„lafast signing archive“"


@dataclass
class Archived:
    files: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # not signed: nothing to keep provable
    tsa_ends: dt.datetime | None = None  # the new timestamps' certificate end: renew before
    fingerprint: str = ""  # of the office certificate that signed the checksum list again


def _context(keyring: Keyring) -> Any:
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        trust_roots=[c for p in keyring.trust_roots for c in load_certs(p)],
        allow_fetching=True,
        revocation_mode="hard-fail",
        retroactive_revinfo=True,
        crls=[keyring.crl.read_bytes()] if keyring.crl is not None else [],
    )


def signed(data: bytes) -> bool:
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        return bool(PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures)
    except (PdfReadError, ValueError, KeyError):
        return False


def archive_pdf(data: bytes, keyring: Keyring) -> bytes:
    """`data` with fresh validation data for its newest timestamp and a new document timestamp,
    appended as an incremental update."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper

    if not keyring.timestamp_url:
        raise ArchiveError(
            "Für Archivzeitstempel ist kein Zeitstempeldienst eingerichtet.",
            hint="lafast signing seal --timestamp-url ADRESSE (Zeitstempeldienst nach RFC 3161).",
        )
    # pyHanko warns (in English) before the first document timestamp: expected here
    logging.getLogger("pyhanko.sign.signers.pdf_signer").setLevel(logging.ERROR)
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    number = len(reader.embedded_timestamp_signatures) + 1
    stamper = PdfTimeStamper(
        _timestamper(keyring.timestamp_url), field_name=f"{FIELD_PREFIX}{number}"
    )

    async def stamp() -> Any:
        context = _context(keyring)
        try:
            return await stamper.async_update_archival_timestamp_chain(
                reader, context, in_place=False
            )
        finally:
            await context.aclose()  # its own HTTP session, else "Unclosed client session"

    try:
        out = asyncio.run(stamp())
    except SigningError:
        raise
    except Exception as exc:  # pyHanko/requests: many kinds for a service or chain problem
        raise _timestamp_error(keyring, exc) from exc
    return bytes(out.getvalue())


def archive_site(ws: Workspace, site: Path, *, now: dt.datetime | None = None) -> Archived:
    """Every signed PDF listed in the site's catalogue archive-timestamped; see the module."""
    site = output_target(ws, site, option="--site")
    catalogue = load_catalogue(site)
    if not catalogue["dokumente"]:
        raise ArchiveError(
            f"In {site} ist nichts veröffentlicht.",
            path=site,
            hint="Den Website-Ordner angeben, in den „lafast publish“ veröffentlicht.",
        )
    keyring = load_keyring(ws)
    result, stamped = Archived(), []
    for entry in catalogue["dokumente"]:
        for f in entry["dateien"]:
            path = site_path(site, f["pfad"])
            if not f["pfad"].endswith(".pdf") or not path.is_file():
                continue
            data = path.read_bytes()
            if not signed(data):
                result.skipped.append(path)
                continue
            stamped.append((f, path, archive_pdf(data, keyring)))
    for f, path, data in stamped:  # every file stamped: now written
        put(site, f["pfad"], data)
        f.update(sha256=_sha256(data), bytes=len(data))
        result.files.append(path)
    if stamped:
        result.tsa_ends = newest_archive_end(stamped[-1][2])
    when = (now or dt.datetime.now().astimezone()).replace(microsecond=0)
    result.fingerprint = write_site(ws, site, catalogue, now=when)
    if keyring.site is None or keyring.site.resolve() != site:

        def remember(data: Any) -> None:
            data.setdefault("pdf", {})["site"] = str(site)

        update_local(ws, remember, made_by=MADE_BY)  # doctor watches this site from now on
    return result


@dataclass(frozen=True)
class Horizon:
    site: Path
    ends: dt.datetime | None  # the earliest end of the newest timestamp of a signed PDF
    file: Path | None  # the PDF it belongs to
    files: int  # signed PDFs with a timestamp


def horizon(site: Path) -> Horizon:
    """Of every signed PDF in the site's catalogue: the end of its newest timestamp's service
    certificate (document timestamp, else the signature's); the earliest of them (doctor)."""
    catalogue = load_catalogue(site)
    earliest: tuple[dt.datetime, Path] | None = None
    count = 0
    for entry in catalogue["dokumente"]:
        for f in entry["dateien"]:
            path = site_path(site, f["pfad"])
            if not f["pfad"].endswith(".pdf") or not path.is_file():
                continue
            ends = newest_timestamp_end(path.read_bytes())
            if ends is None:
                continue
            count += 1
            if earliest is None or ends < earliest[0]:
                earliest = (ends, path)
    if earliest is None:
        return Horizon(site, None, None, count)
    return Horizon(site, earliest[0], earliest[1], count)


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _last_token(data: bytes) -> bytes:
    """The newest document timestamp's token (DER)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    return bytes(reader.embedded_timestamp_signatures[-1].pkcs7_content)


def newest_archive_end(data: bytes) -> dt.datetime | None:
    """When the certificate of the newest document timestamp in `data` ends."""
    from pyhanko.pdf_utils.misc import PdfReadError

    try:
        return _token_end(_last_token(data))
    except (PdfReadError, ValueError, KeyError, IndexError):
        return None


def newest_timestamp_end(data: bytes) -> dt.datetime | None:
    """The end of the newest timestamp's certificate: an archive timestamp's, else that of the
    approval signature's timestamp (None: no timestamp at all)."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader

    ends = newest_archive_end(data)
    if ends is not None:
        return ends
    try:
        sigs = PdfFileReader(io.BytesIO(data), strict=False).embedded_regular_signatures
    except (PdfReadError, ValueError, KeyError):
        return None
    for sig in sigs[:1]:
        attrs = sig.signer_info["unsigned_attrs"]
        for attr in attrs if attrs.native is not None else ():
            if attr["type"].native == "signature_time_stamp_token":
                return _token_end(attr["values"][0].dump())
    return None


def _token_end(token_der: bytes) -> dt.datetime | None:
    from asn1crypto import cms

    token = cms.ContentInfo.load(token_der)["content"]
    sid = token["signer_infos"][0]["sid"].chosen
    for c in token["certificates"] or ():
        if c.chosen.serial_number == sid["serial_number"].native:
            return c.chosen.not_valid_after  # type: ignore[no-any-return]
    return None
