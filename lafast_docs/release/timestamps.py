"""The time-stamping service's side of long-term signatures.

A reader who pins only the office's root cannot judge a timestamp: the service's certificate
chains to the service's own root. `lafast publish` therefore puts that root beside the office's
(`zeitstempel-wurzel.pem`, with its fingerprint on the index page). Which of the trust roots set
up on the office's machine is the service's root is read from a published PDF: the root that
issued a certificate its timestamps carry. Nothing is trusted because a file carries it; the
file only says which of the office's own anchors to publish.

Ten years: a timestamp proves its time only while its service's certificate is valid (and its
algorithms are strong). `lafast signing archive` (archive.py) adds a fresh document timestamp
with current validation data before that end (PAdES B-LTA); `proven_until` follows that chain.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from lafast_docs.release.trust import TIMESTAMP, PdfCheck, fingerprint


def carried_tsa_certs(data: bytes) -> list[Any]:
    """The certificates in every RFC 3161 token of a PDF: signature timestamps and document
    timestamps (asn1crypto)."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader

    out: list[Any] = []
    try:
        sigs = list(PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures)
    except (PdfReadError, ValueError, KeyError):
        return out
    for sig in sigs:
        if sig.sig_object_type == TIMESTAMP:
            out += [c.chosen for c in sig.signed_data["certificates"] or ()]
            continue
        attrs = sig.signer_info["unsigned_attrs"]
        for attr in attrs if attrs.native is not None else ():
            if attr["type"].native == "signature_time_stamp_token":
                content = attr["values"][0]["content"]
                out += [c.chosen for c in content["certificates"] or ()]
    return out


def issuing_roots(carried: list[Any], roots: list[Any]) -> list[Any]:
    """Those of `roots` that issued one of the `carried` certificates (by signature)."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature

    found: list[Any] = []
    for root in roots:
        crypto_root = x509.load_der_x509_certificate(root.dump())
        for cert in carried:
            if cert.issuer != root.subject:
                continue
            try:
                x509.load_der_x509_certificate(cert.dump()).verify_directly_issued_by(crypto_root)
            except (ValueError, TypeError, InvalidSignature):
                continue
            if all(fingerprint(r) != fingerprint(root) for r in found):
                found.append(root)
            break
    return found


def tsa_roots(pdfs: list[bytes], roots: list[Any], *, office: Any) -> list[Any]:
    """The time-stamping service's roots among `roots`, read from the first of `pdfs` that
    carries a timestamp; the office's own root (`office`) is not repeated."""
    for data in pdfs:
        carried = carried_tsa_certs(data)
        if carried:
            return [
                r for r in issuing_roots(carried, roots) if fingerprint(r) != fingerprint(office)
            ]
    return []


def proven_until(pdf: PdfCheck) -> dt.datetime | None:
    """Until when the approval's trusted time is proven (None: it has none). A timestamp proves
    its time while its service's certificate is valid; an archive timestamp (document timestamp,
    PAdES B-LTA) made before that end, from a service the reader trusts, carries the proof on to
    the end of its own certificate, and so on along the chain."""
    approval = pdf.approval
    if approval is None or not approval.timestamped or approval.tsa_ends is None:
        return None
    horizon = approval.tsa_ends
    archive = sorted(
        (s for s in pdf.signatures if s.timestamp and s.signed_at is not None),
        key=lambda s: s.signed_at or horizon,
    )
    for stamp in archive:
        assert stamp.signed_at is not None
        if stamp.trusted and stamp.tsa_ends is not None and stamp.signed_at <= horizon:
            horizon = max(horizon, stamp.tsa_ends)
    return horizon
