"""A real SMTP server on 127.0.0.1 for the mail tests (aiosmtpd): STARTTLS or implicit TLS with
a certificate made here, AUTH required, every accepted message kept; it can refuse a recipient
or drop the connection after some messages, as real servers do."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import ssl
import warnings
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import free_port

USER, PASSWORD = "fachstelle@lafast.example.org", "geheim-Ä-123"


def make_cert(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (it is its own CA): (cert.pem, key.pem)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "server.pem", folder / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    authenticated: bool


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # recipients answered with 550
    drop_after: int | None = None  # close the connection at the DATA after this many messages
    logins: list[str] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, _o: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 Postfach unbekannt"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.drop_after is not None and len(self.received) >= self.drop_after:
            session.transport.close()  # a dropped connection, mid-conversation
            return "421 4.3.0 weg"
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), msg, session.authenticated)
        )
        return "250 2.0.0 angenommen"


def _authenticator(handler: Handler) -> Any:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (
            data.login.decode(),
            data.password.decode(),
        ) == (USER, PASSWORD)
        handler.logins.append(data.login.decode() if isinstance(data, LoginPassword) else "?")
        return AuthResult(success=ok, handled=False)  # False: answer 535

    return check


class MailServer:
    """`with MailServer(folder, tls="starttls") as srv:` – srv.port, srv.handler.received."""

    def __init__(self, folder: Path, *, tls: str = "starttls") -> None:
        self.cert, self.key = make_cert(folder)
        self.handler = Handler()
        self.port = free_port()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        common: dict[str, Any] = {
            "hostname": "127.0.0.1",
            "port": self.port,
            "authenticator": _authenticator(self.handler),
            "auth_required": True,
            # aiosmtpd counts only STARTTLS as TLS; with implicit TLS the whole session is
            "auth_require_tls": tls != "tls",
        }
        if tls == "tls":
            with warnings.catch_warnings():  # "AUTH without TLS": it is TLS, see above
                warnings.simplefilter("ignore", UserWarning)
                self.controller = Controller(self.handler, ssl_context=context, **common)
        else:
            self.controller = Controller(
                self.handler, tls_context=context, require_starttls=True, **common
            )
        self.tls = tls

    def __enter__(self) -> MailServer:
        if self.tls == "tls":  # the controller's own ready check speaks plain SMTP
            self.controller.ready_timeout = 5
        self.controller.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.controller.stop()

    def config(self, sender: str = USER) -> str:
        """The `mail:` section of lafast.yaml for this server."""
        return (
            f'mail:\n  from: "{sender}"\n  from_name: "Landesfachstelle FSA/MSA"\n'
            f'  smtp:\n    host: "127.0.0.1"\n    port: {self.port}\n    security: {self.tls}\n'
            f'    user: "{USER}"\n    password_env: LAFAST_TEST_SMTP\n'
        )
