"""The time-stamping service's side of long-term signatures.

A reader who pins only the office's root cannot judge a timestamp: the service's certificate
chains to the service's own root. `lafast publish` therefore puts that root beside the office's
(`zeitstempel-wurzel.pem`, with its fingerprint on the index page). Which of the trust roots set
up on the office's machine is the service's root is read from a published PDF: the root that
issued a certificate its timestamps carry. Nothing is trusted because a file carries it; the
file only says which of the office's own anchors to publish.
"""

from __future__ import annotations

import io
from typing import Any

from lafast_docs.release.trust import TIMESTAMP, fingerprint


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

    found = []
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
