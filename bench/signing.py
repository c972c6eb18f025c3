"""Signing benchmark: one final PDF signed with an EC (P-256) seal at PAdES B-B, B-T and B-LT,
the time-stamping service and OCSP responder local (certomancer's Animator on 127.0.0.1, the
same as the tests use: tests/pki.py), and the verification of each.

    python3 bench/signing.py [--repeat 10] [--pages 70 --kb 1000]

Reports the median seconds per PDF and the ratio to B-B, measured in the same process.
Target (issue #16): signing under 0.3 s per PDF, B-T/B-LT with a local service included.
`--pages N` repeats the sample's pages up to N, `--kb N` pads it to N KB (the 70-page
Fachstandard is ~1 MB). Also: the
second B-LT PDF of one run (`render --final --archive` signs two; validation data fetched
once), and an archive timestamp (B-LTA) on the signed B-LT file.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.render import median_time  # noqa: E402
from lafast_docs.outputs.document import render  # noqa: E402
from lafast_docs.release import signing  # noqa: E402
from lafast_docs.release.archive import archive_pdf  # noqa: E402
from lafast_docs.release.keyring import Keyring  # noqa: E402
from lafast_docs.release.signing import sign_pdf_bytes  # noqa: E402
from lafast_docs.release.trust import Anchors, check_pdf  # noqa: E402
from lafast_docs.workspace.create import init_workspace  # noqa: E402
from tests.conftest import SAMPLE_SN, copy_samples  # noqa: E402
from tests.pki import start_pki  # noqa: E402


def sample_pdf(folder: Path, pages: int = 0, kb: int = 0) -> bytes:
    """The sample Stellungnahme as lafast renders it; with `pages`, its pages repeated up to
    that many (objects grow as in a long document); with `kb`, an incompressible attachment
    brings it to that size (bytes grow as with pictures and fonts)."""
    import io

    import pikepdf

    ws = copy_samples(init_workspace(folder / "ws"), SAMPLE_SN)
    out = render(ws, SAMPLE_SN, formats=("pdf",))
    data = out[0].path.read_bytes()
    if not pages and not kb:
        return data
    with pikepdf.open(io.BytesIO(data)) as pdf, pikepdf.open(io.BytesIO(data)) as src:
        while len(pdf.pages) < pages:
            pdf.add_pages_from(src, range(min(len(src.pages), pages - len(pdf.pages))))
        if kb:
            pad = os.urandom(max(0, kb * 1024 - len(data)))
            pdf.attachments["fuellung.bin"] = pikepdf.AttachedFileSpec(pdf, pad)
        buf = io.BytesIO()
        pdf.save(buf)
    return buf.getvalue()


def page_count(data: bytes) -> int:
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--pages", type=int, default=0, help="pages (default: the sample's)")
    parser.add_argument("--kb", type=int, default=0, help="size in KB (a 70-page PDF: ~1000)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="lafast-bench-signing-"))
    try:
        os.environ["LAFAST_BENCH_PW"] = "geheim"
        pki = start_pki(tmp / "pki")
        pdf = sample_pdf(tmp, args.pages, args.kb)
        p12 = pki.pkcs12("siegel", "geheim")
        base = {"pkcs12": p12, "password_env": "LAFAST_BENCH_PW", "trust_roots": (pki.root_pem,)}
        anchors = Anchors((pki.root_pem,))
        print(
            f"PDF: {len(pdf) / 1024:.0f} KB, {page_count(pdf)} Seiten, EC P-256, "
            f"{args.repeat} Wiederholungen (Median)"
        )
        print(f"{'Stufe':6} {'signieren':>10} {'÷ B-B':>7} {'prüfen':>8}")
        baseline = 0.0
        for level, url in (("B-B", ""), ("B-T", pki.tsa_url), ("B-LT", pki.tsa_url)):
            ring = Keyring(None, timestamp_url=url, **base)  # type: ignore[arg-type]

            def sign(ring: Keyring = ring, lt: bool = level == "B-LT") -> bytes:
                return sign_pdf_bytes(pdf, ring, reason="Freigegeben", validation_data=lt)

            signed = sign()
            seconds = median_time(sign, args.repeat)
            check = median_time(lambda s=signed: check_pdf(s, anchors), max(3, args.repeat // 3))
            assert check_pdf(signed, anchors).proven
            baseline = baseline or seconds
            print(f"{level:6} {seconds:9.3f}s {seconds / baseline:6.2f}x {check:7.3f}s")
        lt = Keyring(None, timestamp_url=pki.tsa_url, **base)  # type: ignore[arg-type]
        first = median_time(lambda: sign_pdf_bytes(pdf, lt, reason="x"), args.repeat)
        with signing.signing_run():
            sign_pdf_bytes(pdf, lt, reason="x")
            second = median_time(lambda: sign_pdf_bytes(pdf, lt, reason="x"), args.repeat)
        print(f"B-LT, 1. PDF eines Laufs {first:7.3f}s; jede weitere {second:7.3f}s")
        blt = sign_pdf_bytes(pdf, lt, reason="x")
        lta = median_time(lambda: archive_pdf(blt, lt), args.repeat)
        stamped = archive_pdf(blt, lt)
        check = median_time(lambda: check_pdf(stamped, anchors), max(3, args.repeat // 3))
        print(f"B-LTA  {lta:9.3f}s (Archivzeitstempel)  {check:7.3f}s prüfen")
        pki.server.shutdown()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
