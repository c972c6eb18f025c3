"""Trust anchors and the signature checks behind `lafast verify` (pyHanko).

A file is only as trustworthy as the anchor the verifying person holds *outside* the file: the
office's certificate(s) set up on this machine (`pdf: trust_roots` in the local settings), a
certificate given with `--trust DATEI.pem`, or a SHA-256 fingerprint the office publishes at a
stable place (`--trust SHA256:…`), which pins one of the certificates the signature carries.
Without an anchor nothing is "echt"; the operating system's certificate list is never used.

PDF: every signature is validated. The approval is the first signature (not a document
timestamp); after it, incremental updates may only add validation data (DSS, document
timestamps). pyHanko's difference analysis (its default `DiffPolicy`) must rate every later
revision at `LTA_UPDATES`; because that level also lets the document information and XMP
metadata change, those must still equal the signed revision's (dates and producer aside). Any
further signature counts as a content change.

Time: a signature with a trusted RFC 3161 timestamp (PAdES B-T; B-LT with the validation data in
the DSS) is judged at the time of its timestamp: both chains, the signer's and the time-stamping
service's, are validated as they stood then, with the certificates, OCSP responses and CRLs the
file carries (as Adobe Reader does for B-LT), so the signature stays "echt" after the
certificate has expired. With `online`, the current revocation status is fetched from the
addresses in the certificates as well: a certificate revoked before the timestamp makes the
signature "NICHT echt", one revoked later does not. Without a trusted timestamp the signature is
judged now (`at`), and an expired or revoked certificate fails it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lafast_docs.errors import TrustAnchorError
from lafast_docs.release.pdfreader import indexed_reader

if TYPE_CHECKING:
    from asn1crypto import x509  # untyped (no stubs): documents the type only

_PIN = re.compile(r"^(?:sha-?256:)?((?:[0-9a-f]{2}:?){31}[0-9a-f]{2})$", re.IGNORECASE)
TIMESTAMP = "/DocTimeStamp"


@dataclass(frozen=True)
class Anchors:
    """What the verifying person trusts: certificate files and pinned fingerprints."""

    files: tuple[Path, ...] = ()
    pins: tuple[str, ...] = ()  # SHA-256 fingerprints, upper-case hex without colons

    def __bool__(self) -> bool:
        return bool(self.files or self.pins)


def anchors(values: tuple[str, ...] = (), roots: tuple[Path, ...] = ()) -> Anchors:
    """Anchors from `--trust` values (files or fingerprints) and the local trust roots."""
    files = list(roots)
    pins = []
    for value in values:
        m = _PIN.match(value.strip())
        if m:
            pins.append(m[1].replace(":", "").upper())
            continue
        path = Path(value).expanduser()
        if not path.is_file():
            raise TrustAnchorError(
                f"„--trust {value}“ ist weder eine Zertifikatsdatei noch ein Fingerabdruck.",
                hint="Geben Sie die Zertifikatsdatei der Fachstelle an (…​.pem) oder ihren "
                "SHA-256-Fingerabdruck, z. B. --trust SHA256:3F:A1:… (64 Hexadezimalziffern).",
            )
        load_certs(path)
        files.append(path)
    return Anchors(tuple(files), tuple(pins))


def load_cert(path: Path) -> x509.Certificate:
    return load_cert_bytes(path.read_bytes(), path=path)


def load_certs(path: Path) -> list[x509.Certificate]:
    """Every certificate of a PEM bundle (the office's root and the time-stamping service's
    in one file), or the one certificate of a DER file."""
    from asn1crypto import pem

    raw = path.read_bytes()
    if not pem.detect(raw):
        return [load_cert_bytes(raw, path=path)]
    blocks = re.findall(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", raw, re.S)
    return [load_cert_bytes(b, path=path) for b in blocks] or [load_cert_bytes(raw, path=path)]


def load_cert_bytes(raw: bytes, *, path: Path | None = None) -> x509.Certificate:
    from asn1crypto import pem, x509

    try:
        if pem.detect(raw):
            raw = pem.unarmor(raw)[2]
        cert = x509.Certificate.load(raw)
        cert.native  # noqa: B018 - parses the whole structure, so broken files fail here
    except (ValueError, TypeError) as exc:
        raise TrustAnchorError(
            f"{path or 'Die Angabe'} ist keine lesbare Zertifikatsdatei (PEM oder DER).",
            path=path,
            hint="Laden Sie das Zertifikat erneut von der Website der Fachstelle.",
        ) from exc
    return cert


def fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.dump()).hexdigest().upper()


def show_fingerprint(fp: str) -> str:
    """`SHA256:3F:A1:…`, as printed for readers and accepted by `--trust`."""
    return "SHA256:" + ":".join(fp[i : i + 2] for i in range(0, len(fp), 2))


def _roots(anchors: Anchors, carried: list[x509.Certificate]) -> list[x509.Certificate]:
    roots = [c for p in anchors.files for c in load_certs(p)]
    return roots + [c for c in carried if fingerprint(c) in anchors.pins]


def _context(
    roots: list[x509.Certificate],
    *,
    at: dt.datetime | None = None,
    dss: Any = None,
    online: bool = False,
) -> Any:
    """A validation context with an explicit list of roots, even when empty: never the
    operating system's trust list. `at`: the validation time (None: now); `dss`: the file's
    validation data; `online`: fetch current revocation information."""
    from pyhanko_certvalidator import ValidationContext

    kwargs: dict[str, Any] = {"trust_roots": roots, "allow_fetching": online}
    if at is not None:
        kwargs.update(moment=at, retroactive_revinfo=True)
    if dss is not None:
        return dss.as_validation_context(kwargs)
    return ValidationContext(**kwargs)


def timestamp_time(sig: Any) -> dt.datetime | None:
    """The time in the signature's RFC 3161 timestamp token (unverified; None: no token)."""
    attrs = sig.signer_info["unsigned_attrs"]
    for attr in attrs if attrs.native is not None else ():
        if attr["type"].native == "signature_time_stamp_token":
            token = attr["values"][0]
            info = token["content"]["encap_content_info"]["content"].parsed
            return info["gen_time"].native  # type: ignore[no-any-return]
    return None


def _dss(reader: Any) -> Any:
    from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError

    try:
        return DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return None


def _quiet() -> None:
    """pyHanko logs tracebacks for every untrusted chain; the verdict says it in German."""
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


@dataclass
class SigCheck:
    """One signature (or document timestamp, or the signature of the checksum list)."""

    name: str
    timestamp: bool = False
    intact: bool = False
    valid: bool = False
    trusted: bool | None = None  # None: no anchor to check against
    signer: str = ""
    signed_at: dt.datetime | None = None
    timestamped: bool = False  # judged at the time of a trusted RFC 3161 timestamp (B-T)
    validation_data: bool = False  # the file carries the validation data (DSS; B-LT)
    reason: str = ""
    problems: list[str] = field(default_factory=list)
    cert: bytes = b""  # the signing certificate (DER), for the CRLs of `revocation.py`
    tsa_ends: dt.datetime | None = None  # end of the timestamp service's certificate (B-T,
    # document timestamps): the time is proven until then, later only by an archive timestamp
    tsa_unanchored: str = ""  # a sound timestamp whose service's chain reaches no anchor: its
    # issuer's name (the root the reader lacks)
    anchor: bytes = b""  # the trust anchor its chain ended in (DER), when trusted

    @property
    def sound(self) -> bool:
        return self.intact and self.valid and not self.problems


def _judge(check: SigCheck, status: Any, anchored: bool, at: dt.datetime | None = None) -> None:
    check.intact = bool(status.intact)
    check.valid = bool(status.valid)
    check.signer = status.signing_cert.subject.human_friendly
    check.signed_at = check.signed_at or getattr(status, "signer_reported_dt", None)
    if not check.intact:
        check.problems.append("Die signierten Bytes wurden nachträglich verändert.")
    elif not check.valid:
        check.problems.append("Die Signatur ist mathematisch ungültig.")
    if not anchored or not (check.intact and check.valid):
        return  # trust in a broken signature means nothing: shown as "ungeprüft"
    check.trusted = bool(status.trusted) and not status.revoked
    check.cert = status.signing_cert.dump()
    if check.trusted:
        path = getattr(status, "validation_path", None)
        check.anchor = path[0].dump() if path is not None else b""
        return
    indic = str(getattr(status.trust_problem_indic, "name", "") or "")
    cert = status.signing_cert
    now = at or dt.datetime.now(dt.UTC)
    if status.revoked or "REVOKED" in indic:
        check.problems.append(
            "Das Zertifikat der Signatur wurde widerrufen"
            + (" – vor dem Zeitpunkt der Signatur." if check.timestamped else ".")
        )
    elif not (cert.not_valid_before <= now <= cert.not_valid_after) or "OUT_OF_BOUNDS" in indic:
        check.problems.append(
            f"Das Zertifikat der Signatur ist abgelaufen oder noch nicht gültig (gültig "
            f"{cert.not_valid_before:%d.%m.%Y} bis {cert.not_valid_after:%d.%m.%Y})."
        )
    else:
        check.problems.append(
            f"Das Zertifikat der Signatur ({check.signer}) führt zu keinem Vertrauensanker "
            "(Zertifikat der Fachstelle)."
        )


@dataclass
class PdfCheck:
    signatures: list[SigCheck] = field(default_factory=list)
    approval: SigCheck | None = None  # the first signature that is not a timestamp
    signed_revision: bytes = b""  # the bytes the approval covers (what was approved)
    only_validation_data: bool = False  # later updates add only DSS / timestamps
    problems: list[str] = field(default_factory=list)

    @property
    def signed(self) -> bool:
        return self.approval is not None

    @property
    def proven(self) -> bool:
        """A trusted, sound approval signature and nothing wrong anywhere in the file."""
        return self.approval is not None and self.approval.trusted is True and not self.problems


_VOLATILE = re.compile(
    rb"(\s[\w]+:(?:ModifyDate|MetadataDate|Producer|InstanceID)=\"[^\"]*\""
    rb"|<([\w]+:(?:ModifyDate|MetadataDate|Producer|InstanceID))>[^<]*</\2>"
    rb"|\sx:xmptk=\"[^\"]*\")"
)


def _metadata(data: bytes) -> tuple[dict[str, str], bytes]:
    """The document information and XMP metadata, without what every writer updates."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        info = {
            str(k): str(v) for k, v in pdf.docinfo.items() if k not in ("/ModDate", "/Producer")
        }
        meta = pdf.Root.get("/Metadata")
        xmp = meta.read_bytes() if isinstance(meta, pikepdf.Stream) else b""
    return info, _VOLATILE.sub(b"", xmp)


def same_metadata(signed_revision: bytes, data: bytes) -> bool:
    """pyHanko's difference analysis lets /Info and XMP updates pass (every incremental writer
    touches their dates); title, subject and the rest must still be the signed ones."""
    import pikepdf

    try:
        return _metadata(signed_revision) == _metadata(data)
    except pikepdf.PdfError:
        return False


def check_pdf(
    data: bytes, trust: Anchors, *, at: dt.datetime | None = None, online: bool = False
) -> PdfCheck:
    """Every signature of `data` validated; see the module docstring for the rules. `at`: the
    time to judge signatures without a trusted timestamp at (None: now)."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY
    from pyhanko.sign.diff_analysis.policy_api import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_timestamp
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    _quiet()
    result = PdfCheck()
    try:
        reader = indexed_reader(PdfFileReader)(io.BytesIO(data), strict=False)
        sigs = list(reader.embedded_signatures)
    except (PdfReadError, ValueError, KeyError) as exc:
        result.problems.append(f"Die PDF-Datei lässt sich nicht lesen: {exc}")
        return result
    policy = DEFAULT_DIFF_POLICY
    dss = _dss(reader)
    dss_certs = list(dss.load_certs()) if dss is not None else []
    for sig in sigs:
        check = SigCheck(sig.field_name or "?", timestamp=sig.sig_object_type == TIMESTAMP)
        check.reason = str(sig.sig_object.get("/Reason", "") or "")
        result.signatures.append(check)
        try:
            carried = [*sig.other_embedded_certs, sig.signer_cert, *dss_certs]
            roots = _roots(trust, carried)
            # the approval's difference analysis covers every later revision; running it for
            # later signatures, or when a later signature already decides the verdict, would
            # only cost time (a form-filling diff of a large tagged PDF takes minutes)
            later = result.approval is not None or any(
                s.sig_object_type != TIMESTAMP for s in _later(sigs, sig)
            )
            if check.timestamp:
                status: Any = validate_pdf_timestamp(
                    sig, _context(roots, at=at), diff_policy=policy, skip_diff=later
                )
            else:
                status = _validate_signature(check, sig, roots, dss, at, online, later)
        except TrustAnchorError:
            raise
        except Exception as exc:  # pyHanko raises many kinds for broken signature data
            check.problems.append(f"Die Signatur lässt sich nicht prüfen: {exc}")
            result.problems += check.problems
            continue
        _judge(check, status, bool(trust) and not check.timestamp, at)
        if check.timestamp:
            # an archive timestamp (PAdES B-LTA): when, whether its service is an anchor, and
            # how long its certificate proves that time (archive.py)
            check.signed_at = getattr(status, "timestamp", None) or check.signed_at
            check.trusted = True if check.sound and status.trusted else None  # not: "ungeprüft"
            check.tsa_ends = status.signing_cert.not_valid_after
            result.problems += check.problems
            continue
        if result.approval is not None:
            result.problems.append(
                f"Nach der Freigabe-Signatur wurde eine weitere Signatur ergänzt "
                f"(„{check.name}“, {check.signer}): eine nachträgliche Änderung."
            )
            continue
        result.approval = check
        result.problems += check.problems
        byte_range = [int(x) for x in sig.sig_object["/ByteRange"]]
        result.signed_revision = data[: byte_range[2] + byte_range[3]]
        level = status.modification_level
        if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
            continue
        if (
            status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
            and level is not None
            and level <= ModificationLevel.LTA_UPDATES
            and status.docmdp_ok
            and same_metadata(result.signed_revision, data)
        ):
            result.only_validation_data = True
            continue
        if all(s.sig_object_type == TIMESTAMP for s in _later(sigs, sig)):
            result.problems.append(
                "Nach der Signatur wurde die Datei geändert (nachträgliche Änderung; erlaubt "
                "wären nur Prüfdaten wie Zeitstempel) – die Signatur deckt nicht den "
                "jetzigen Inhalt."
            )
    if result.approval is None and not result.problems:
        result.problems.append("Die PDF-Datei ist nicht digital signiert.")
    return result


def _validate_signature(
    check: SigCheck,
    sig: Any,
    roots: list[x509.Certificate],
    dss: Any,
    at: dt.datetime | None,
    online: bool,
    skip_diff: bool,
) -> Any:
    """The approval signature's status: at the time of its timestamp if that is trusted (both
    chains as they stood then, with the file's validation data), else at `at`."""
    from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY
    from pyhanko.sign.validation import validate_pdf_signature

    when = timestamp_time(sig)
    check.validation_data = dss is not None
    if when is not None:
        then = _context(roots, at=when, dss=dss, online=online)
        status = validate_pdf_signature(
            sig,
            then,
            ts_validation_context=_context(roots, at=when, dss=dss, online=online),
            diff_policy=DEFAULT_DIFF_POLICY,
            skip_diff=skip_diff,
        )
        ts = status.timestamp_validity
        if ts is not None and ts.intact and ts.valid and ts.trusted:
            check.timestamped, check.signed_at = True, when
            check.tsa_ends = ts.signing_cert.not_valid_after
            return status
        if ts is not None and ts.intact and ts.valid:
            check.tsa_unanchored = _top_issuer(ts.signing_cert, sig)
    return validate_pdf_signature(
        sig,
        _context(roots, at=at, dss=dss, online=online),
        diff_policy=DEFAULT_DIFF_POLICY,
        skip_diff=skip_diff,
    )


def _top_issuer(cert: Any, sig: Any) -> str:
    """The name of the root above `cert`, following the certificates the timestamp carries."""
    token = next(
        a["values"][0]
        for a in sig.signer_info["unsigned_attrs"]
        if a["type"].native == "signature_time_stamp_token"
    )
    carried = [c.chosen for c in token["content"]["certificates"] or ()]
    seen = set()
    while cert.issuer != cert.subject and cert.issuer.dump() not in seen:
        seen.add(cert.issuer.dump())
        parent = next((c for c in carried if c.subject == cert.issuer), None)
        if parent is None:
            break
        cert = parent
    return str(cert.issuer.human_friendly)


def _later(sigs: list[Any], sig: Any) -> list[Any]:
    return sigs[sigs.index(sig) + 1 :]


def check_detached(data: bytes, signature: bytes, trust: Anchors, *, name: str) -> SigCheck:
    """A detached CMS signature (`SHA256SUMS.p7s`) over `data`."""
    from asn1crypto import cms
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms

    _quiet()
    check = SigCheck(name)
    try:
        signed_data = cms.ContentInfo.load(signature)["content"]
        carried = [c.chosen for c in signed_data["certificates"] or ()]
        status = asyncio.run(
            async_validate_detached_cms(
                data, signed_data, signer_validation_context=_context(_roots(trust, carried))
            )
        )
    except TrustAnchorError:
        raise
    except Exception as exc:  # asn1crypto/pyHanko: many kinds for broken data
        check.problems.append(f"Die Signatur lässt sich nicht lesen: {type(exc).__name__}.")
        return check
    _judge(check, status, bool(trust))
    return check
