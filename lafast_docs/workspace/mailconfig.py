"""The `mail:` section of lafast.yaml: who the office's e-mails come from and, optionally, the
SMTP server that sends them. Without it lafast prepares drafts (.eml) only.

The password is never in the file: it comes from the environment variable named here, or is
asked for at the terminal, and is not stored anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SECURITY = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
DEFAULT_PASSWORD_ENV = "LAFAST_SMTP_PASSWORT"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
MAIL_KEYS = ("from", "from_name", "reply_to", "smtp")
SMTP_KEYS = ("host", "port", "security", "user", "password_env")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # starttls, tls (implicit, "SMTPS") or none (only to this machine)
    user: str = ""
    password_env: str = DEFAULT_PASSWORD_ENV


@dataclass(frozen=True)
class MailSettings:
    sender: str = ""  # the From address; empty: drafts leave it to the mail program
    sender_name: str = ""
    reply_to: str = ""
    smtp: SmtpSettings | None = None


def validate_mail(
    data: Any, email_ok: Callable[[str], bool], bad: Callable[..., None]
) -> MailSettings:
    """Read `mail:`; every problem goes to `bad(message, node, key)` (config.py's collector)."""
    if data is None:
        return MailSettings()
    if not isinstance(data, dict):
        bad("„mail“ braucht „from:“ und, zum Senden, „smtp:“ mit „host:“.")
        return MailSettings()
    for key in data:
        if key not in MAIL_KEYS:
            bad(f"mail: unbekannter Eintrag „{key}“ (erlaubt: {', '.join(MAIL_KEYS)}).", data, key)
    sender, name, reply_to = (_text(data.get(k)) for k in ("from", "from_name", "reply_to"))
    for key, value in (("from", sender), ("reply_to", reply_to)):
        if value and not email_ok(value):
            bad(f"mail: „{key}: {value[:80]}“ ist keine gültige E-Mail-Adresse.", data, key)
    if any(ch in name for ch in '\r\n<>"'):
        bad(
            'mail: „from_name“ darf keine Zeilenumbrüche, <, > oder " enthalten.', data, "from_name"
        )
        name = ""
    smtp = _validate_smtp(data.get("smtp"), data, bad)
    if smtp is not None and not sender:
        bad("mail: zum Senden über „smtp“ wird „from:“ (Absenderadresse) gebraucht.", data)
    return MailSettings(sender, name, reply_to, smtp)


def _validate_smtp(raw: Any, parent: Any, bad: Callable[..., None]) -> SmtpSettings | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not _text(raw.get("host")):
        bad("mail: „smtp“ braucht mindestens „host:“ (Name des Mailservers).", parent, "smtp")
        return None
    problems = 0
    for key in raw:
        if key == "password":
            bad(
                "mail: smtp: Das Passwort gehört nicht in lafast.yaml (die Datei steht im "
                f"gemeinsamen Verlauf). Löschen Sie die Zeile; lafast liest es aus der Variablen "
                f"{_text(raw.get('password_env')) or DEFAULT_PASSWORD_ENV} oder fragt danach.",
                raw,
                key,
            )
            problems += 1
        elif key not in SMTP_KEYS:
            bad(
                f"mail: smtp: unbekannter Eintrag „{key}“ (erlaubt: {', '.join(SMTP_KEYS)}).",
                raw,
                key,
            )
            problems += 1
    host, security = _text(raw.get("host")), _text(raw.get("security")) or "starttls"
    if security not in SECURITY:
        bad(
            f"mail: smtp: „security“ muss starttls, tls oder none sein, nicht „{security}“.",
            raw,
            "security",
        )
        return None
    if security == "none" and host not in LOCAL_HOSTS:
        bad(
            f"mail: smtp: ohne Verschlüsselung („security: none“) nur an diesen Rechner, nicht an "
            f"„{host}“. Nehmen Sie starttls (Port 587) oder tls (Port 465).",
            raw,
            "security",
        )
        problems += 1
    port = raw.get("port", DEFAULT_PORTS[security])
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        bad(f"mail: smtp: „port“ muss eine Zahl von 1 bis 65535 sein, nicht „{port}“.", raw, "port")
        return None
    env = _text(raw.get("password_env")) or DEFAULT_PASSWORD_ENV
    if not env.replace("_", "").isalnum():
        bad(f"mail: smtp: „password_env“ muss der Name einer Variablen sein, nicht „{env}“.", raw)
        problems += 1
    if problems:
        return None
    return SmtpSettings(host, port, security, _text(raw.get("user")), env)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()
