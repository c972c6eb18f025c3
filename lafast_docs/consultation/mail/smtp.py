"""The office's SMTP server: connect (STARTTLS or implicit TLS, certificate checked), log in,
send one message at a time, and say in German what went wrong.

The password comes from the environment variable named in lafast.yaml or from a prompt; it is
handed to the server and forgotten, never written anywhere.
"""

from __future__ import annotations

import base64
import os
import smtplib
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage

from lafast_docs.errors import MailNotConfigured, SmtpFailed
from lafast_docs.workspace.mailconfig import MailSettings, SmtpSettings

TIMEOUT = 30  # seconds per network step


def settings_for_sending(mail: MailSettings) -> SmtpSettings:
    if mail.smtp is None:
        raise MailNotConfigured(
            "Zum Senden fehlt der Mailserver in lafast.yaml.",
            hint="Tragen Sie unter „mail:“ „from:“ und „smtp: host: …“ ein (siehe README, "
            "„E-Mails vorbereiten oder senden“), oder lassen Sie --senden weg: dann bereitet "
            "lafast E-Mail-Entwürfe (.eml) vor.",
        )
    return mail.smtp


def password(smtp: SmtpSettings, ask: Callable[[str], str] | None) -> str:
    """The password for `smtp.user`: from its variable, else asked for; '' without a user."""
    if not smtp.user:
        return ""
    value = os.environ.get(smtp.password_env, "")
    if value:
        return value
    if ask is None:
        raise MailNotConfigured(
            f"Kein Passwort für {smtp.user} am Mailserver {smtp.host}.",
            hint=f"Setzen Sie die Variable {smtp.password_env} oder rufen Sie den Befehl in "
            "einem Terminal auf (dann fragt lafast danach).",
        )
    return ask(f"Passwort für {smtp.user} am Mailserver {smtp.host}")


@contextmanager
def connect(smtp: SmtpSettings, secret: str) -> Iterator[smtplib.SMTP]:
    """An open, encrypted (unless `security: none` to this machine), logged-in connection."""
    context = ssl.create_default_context()
    where = f"{smtp.host}:{smtp.port}"
    try:
        conn: smtplib.SMTP
        if smtp.security == "tls":
            conn = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=TIMEOUT, context=context)
        else:
            conn = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT)
        with conn:
            conn.ehlo()
            if smtp.security == "starttls":
                if not conn.has_extn("starttls"):
                    raise SmtpFailed(
                        f"Der Mailserver {where} bietet keine Verschlüsselung (STARTTLS) an.",
                        hint="Prüfen Sie Port und „security“ in lafast.yaml (tls für Port 465).",
                    )
                conn.starttls(context=context)
                conn.ehlo()
            if smtp.user:
                try:
                    _login(conn, smtp.user, secret)
                except smtplib.SMTPServerDisconnected as exc:  # some servers hang up at once
                    raise smtplib.SMTPAuthenticationError(535, b"") from exc
            yield conn
    except smtplib.SMTPNotSupportedError as exc:
        raise SmtpFailed(
            f"Der Mailserver {where} bietet keine Anmeldung (AUTH) an.",
            hint="Prüfen Sie Port und „security“ in lafast.yaml; ohne Anmeldung: „user:“ leer.",
        ) from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise SmtpFailed(
            f"Der Mailserver {where} hat die Anmeldung als {smtp.user} abgelehnt.",
            hint=f"Prüfen Sie Benutzername und Passwort (Variable {smtp.password_env}).",
        ) from exc
    except ssl.SSLError as exc:
        raise SmtpFailed(
            f"Die verschlüsselte Verbindung zu {where} kam nicht zustande: {exc.reason or exc}.",
            hint="Ist das Zertifikat des Servers gültig und „security“ richtig (starttls für "
            "Port 587, tls für 465)? Ein Zertifikat der eigenen Behörde: Variable SSL_CERT_FILE.",
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:
        if isinstance(exc, SmtpFailed):
            raise
        raise SmtpFailed(
            f"Keine Verbindung zum Mailserver {where}: {describe(exc)}",
            hint="Prüfen Sie Netzwerk, Servername und Port in lafast.yaml (mail: smtp:).",
        ) from exc


def _login(conn: smtplib.SMTP, user: str, secret: str) -> None:
    """One attempt, PLAIN else LOGIN, as UTF-8 (RFC 4616): smtplib's login sends ASCII only
    (a German password has ä or ß) and tries every method in turn after a refusal, which some
    servers answer by waiting until the time limit."""
    if not conn.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("AUTH")
    methods = (conn.esmtp_features.get("auth") or "").upper().split()
    if "PLAIN" in methods:
        token = base64.b64encode(f"\0{user}\0{secret}".encode()).decode()
        code, answer = conn.docmd("AUTH", f"PLAIN {token}")
    else:
        code, answer = conn.docmd("AUTH", "LOGIN " + base64.b64encode(user.encode()).decode())
        if code == 334:
            code, answer = conn.docmd(base64.b64encode(secret.encode()).decode())
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)


def send(conn: smtplib.SMTP, msg: EmailMessage, sender: str, to: str) -> None:
    """Hand one message to the server; raises smtplib's errors for the caller to record."""
    refused = conn.send_message(msg, from_addr=sender, to_addrs=[to])
    if refused:  # only when some of several recipients are refused; one is all here
        raise smtplib.SMTPRecipientsRefused(refused)


def describe(exc: BaseException) -> str:
    """A German line for a failure to send one message."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = "; ".join(
            f"{code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}"
            for code, text in exc.recipients.values()
        )
        return f"Empfänger vom Server abgelehnt ({codes})"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"Absender vom Server abgelehnt ({exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else ""
        )
        return f"Server antwortet {exc.smtp_code} {text}".strip()
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "Verbindung vom Server getrennt"
    if isinstance(exc, TimeoutError):
        return "Zeitüberschreitung"
    if isinstance(exc, OSError):
        return exc.strerror or exc.__class__.__name__
    return str(exc) or exc.__class__.__name__


def fatal(exc: BaseException) -> bool:
    """Whether the connection is gone (stop) or only this message failed (go on)."""
    return not isinstance(
        exc,
        smtplib.SMTPRecipientsRefused | smtplib.SMTPSenderRefused | smtplib.SMTPDataError,
    )
