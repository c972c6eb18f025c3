"""A real public-key infrastructure for the tests: certomancer's Animator (a WSGI app) serving a
time-stamping service (RFC 3161), an OCSP responder and CRLs over HTTP on 127.0.0.1, in a thread.

The certificates: a root, an OCSP responder, a time-stamping service (and `tsakurz`, one whose
certificate ends after 50 days), the office seal `siegel`
(EC P-256, valid from yesterday for 30 days) and `gestohlen`, a seal certificate revoked ten
days from now (key compromise). `clock` moves the services' time (certomancer's fake-time
header, set by a small middleware): what they sign and answer is as of that time.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.conftest import free_port

KEYS = ("root", "ocsp", "tsa", "tsakurz", "siegel", "gestohlen")
ARCH = "amt"
REVOKED_IN = dt.timedelta(days=10)  # `gestohlen` is revoked this long after the start
TSA_SHORT = dt.timedelta(days=50)  # `tsakurz`, a time-stamping service whose certificate ends


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _config(folder: Path, port: int, start: dt.datetime) -> str:
    long = '{valid-from: "2000-01-01T00:00:00+0000", valid-to: "2100-01-01T00:00:00+0000"}'
    short = f'{{valid-from: "{_iso(start - dt.timedelta(days=1))}", ' + (
        f'valid-to: "{_iso(start + dt.timedelta(days=30))}"}}'
    )
    tsa_short = f'{{valid-from: "{_iso(start - dt.timedelta(days=1))}", ' + (
        f'valid-to: "{_iso(start + TSA_SHORT)}"}}'
    )
    tsa_ext = """
          - id: key_usage
            critical: true
            smart-value: {schema: key-usage, params: [digital_signature]}
          - {id: extended_key_usage, critical: true, value: [time_stamping]}
          - id: authority_information_access
            smart-value: {schema: aia-urls, params: {ocsp-responder-names: [root]}}"""
    usage = "smart-value: {schema: key-usage, params: [digital_signature, non_repudiation]}"
    seal_ext = f"""
          - id: key_usage
            critical: true
            {usage}
          - id: authority_information_access
            smart-value: {{schema: aia-urls, params: {{ocsp-responder-names: [root]}}}}
          - id: crl_distribution_points
            smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [root]}}}}"""
    keys = "\n".join(f"      {k}: {{path: {k}.key.pem}}" for k in KEYS)
    return f"""
external-url-prefix: "http://127.0.0.1:{port}"
keysets:
  ks:
    path-prefix: {folder}
    keys:
{keys}
pki-architectures:
  {ARCH}:
    keyset: ks
    entity-defaults: {{country-name: DE, organization-name: Testfachstelle}}
    entities:
      root: {{common-name: Test-Wurzel}}
      ocsp: {{common-name: Test-OCSP}}
      tsa: {{common-name: Test-Zeitstempeldienst}}
      tsakurz: {{common-name: Test-Zeitstempeldienst kurz}}
      siegel: {{common-name: Testfachstelle Siegel}}
      gestohlen: {{common-name: Testfachstelle Siegel alt}}
    certs:
      root:
        subject: root
        issuer: root
        validity: {long}
        extensions:
          - {{id: basic_constraints, critical: true, value: {{ca: true}}}}
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature, key_cert_sign, crl_sign]}}
      ocsp:
        issuer: root
        validity: {long}
        extensions:
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature]}}
          - {{id: extended_key_usage, critical: true, value: [ocsp_signing]}}
          - {{id: ocsp_no_check}}
      tsa:
        issuer: root
        validity: {long}
        extensions:{tsa_ext}
      tsakurz:
        issuer: root
        validity: {tsa_short}
        extensions:{tsa_ext}
      siegel:
        issuer: root
        validity: {short}
        extensions:{seal_ext}
      gestohlen:
        issuer: root
        validity: {short}
        revocation:
          revoked-since: "{_iso(start + REVOKED_IN)}"
          reason: key_compromise
        extensions:{seal_ext}
    services:
      ocsp:
        root: {{for-issuer: root, responder-cert: ocsp, signing-key: ocsp}}
      crl-repo:
        root: {{for-issuer: root, signing-key: root, simulated-update-schedule: "P7D"}}
      time-stamping:
        tsa: {{signing-key: tsa, signing-cert: tsa}}
        tsakurz: {{signing-key: tsakurz, signing-cert: tsakurz}}
"""


@dataclass
class Pki:
    folder: Path
    port: int
    start: dt.datetime
    arch: Any
    server: Any = None
    clock: list[dt.datetime | None] = field(default_factory=lambda: [None])

    @property
    def tsa_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{ARCH}/tsa/tsa"

    @property
    def tsa_short_url(self) -> str:
        """The service whose certificate ends 50 days after the start (archive timestamps)."""
        return f"http://127.0.0.1:{self.port}/{ARCH}/tsa/tsakurz"

    @property
    def root_pem(self) -> Path:
        return self.folder / "wurzel.pem"

    def pkcs12(self, label: str, password: str) -> Path:
        path = self.folder / f"{label}.p12"
        if not path.exists():
            path.write_bytes(self.arch.package_pkcs12(label, password=password.encode()))
        return path

    def at(self, moment: dt.datetime | None) -> None:
        """Let the services work as of `moment` (None: the real time)."""
        self.clock[0] = moment


def blank_pdf() -> bytes:
    """A one-page PDF to sign."""
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def start_pki(folder: Path) -> Pki:
    from asn1crypto import pem
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import CertomancerConfig
    from werkzeug.serving import make_server

    folder.mkdir(parents=True, exist_ok=True)
    for name in KEYS:
        key = ec.generate_private_key(ec.SECP256R1())
        (folder / f"{name}.key.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    port = free_port()
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    (folder / "certomancer.yml").write_text(_config(folder, port, start), "utf-8")
    arch = CertomancerConfig.from_file(str(folder / "certomancer.yml")).get_pki_arch(ARCH)
    pki = Pki(folder, port, start, arch)
    pki.root_pem.write_bytes(pem.armor("CERTIFICATE", arch.get_cert("root").dump()))
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    animator = Animator(AnimatorArchStore({ARCH: arch}), with_web_ui=False)

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        if pki.clock[0] is not None:
            environ["HTTP_X_CERTOMANCER_FAKE_TIME"] = pki.clock[0].isoformat()
        return animator(environ, start_response)

    pki.server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=pki.server.serve_forever, daemon=True).start()
    return pki
