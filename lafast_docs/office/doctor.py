"""`lafast doctor`: is this computer and this workspace ready? Every finding says what to do.

Each check returns one `Finding`: "ok", "hinweis" (works, but worth knowing) or "fehler"
(something lafast needs is missing). Checks never change anything.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs import __version__
from lafast_docs.errors import LafastError
from lafast_docs.external import pandoc, resources
from lafast_docs.release import archive
from lafast_docs.release.enrol import signs
from lafast_docs.release.keyring import Keyring, load_keyring
from lafast_docs.release.signing import seal_cert
from lafast_docs.storage.git import git_version
from lafast_docs.team import conflict
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.config import CONFIG_NAME, Person

OK, NOTE, ERROR = "ok", "hinweis", "fehler"
MIN_WEASYPRINT = 70
WARN_DAYS = 60  # a signing certificate that ends sooner is reported
FONTS = ("DejaVu Sans", "DejaVu Sans Mono")  # what the built-in templates use


@dataclass(frozen=True)
class Finding:
    topic: str
    status: str
    detail: str
    fix: str = ""

    def as_data(self) -> dict[str, str]:
        return {"thema": self.topic, "status": self.status, "befund": self.detail, "tun": self.fix}


def _installation() -> Finding:
    templates = resources.builtin_templates()
    if not (templates / "common" / "print.html.j2").is_file():
        return Finding(
            "lafast",
            ERROR,
            f"Version {__version__}, aber die eingebauten Vorlagen fehlen ({templates})",
            'Neu installieren: python3 -m pip install --force-reinstall -e ".[test]"',
        )
    return Finding("lafast", OK, f"Version {__version__}")


def _python() -> Finding:
    v = sys.version_info
    ok = v >= (3, 11)
    return Finding(
        "Python",
        OK if ok else ERROR,
        f"{v.major}.{v.minor}.{v.micro}",
        "" if ok else "Python 3.11 oder neuer installieren.",
    )


def _pandoc() -> Finding:
    try:
        info = pandoc.get_pandoc()
    except Exception as exc:  # any failure means: pandoc does not run
        return Finding(
            "pandoc",
            ERROR,
            f"läuft nicht ({exc})",
            'lafast neu installieren: python3 -m pip install --force-reinstall "pypandoc-binary"',
        )
    return Finding("pandoc", OK, f"Version {info.version_text} ({info.path})")


def _weasyprint() -> Finding:
    try:
        import weasyprint
    except Exception as exc:  # missing system libraries raise OSError, not ImportError
        return Finding(
            "WeasyPrint",
            ERROR,
            f"lässt sich nicht laden ({exc})",
            "Systembibliotheken installieren: apt-get install libpango-1.0-0 libpangoft2-1.0-0",
        )
    major = int(weasyprint.__version__.split(".")[0])
    if major < MIN_WEASYPRINT:
        return Finding(
            "WeasyPrint",
            ERROR,
            f"Version {weasyprint.__version__} ist zu alt",
            f'python3 -m pip install "weasyprint>={MIN_WEASYPRINT}"',
        )
    return Finding("WeasyPrint", OK, f"Version {weasyprint.__version__}")


def _fonts() -> Finding:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return Finding(
            "Schriften",
            NOTE,
            "fc-list fehlt; Schriften nicht prüfbar",
            "apt-get install fontconfig",
        )
    families = subprocess.run(
        [fc_list, ":", "family"], capture_output=True, text=True, timeout=30, check=False
    ).stdout
    have = {f.strip() for line in families.splitlines() for f in line.split(",")}
    missing = [f for f in FONTS if f not in have]
    if missing:
        return Finding(
            "Schriften",
            ERROR,
            "es fehlen: " + ", ".join(missing),
            "apt-get install fonts-dejavu-core (sonst sehen PDF-Dateien anders aus)",
        )
    return Finding("Schriften", OK, ", ".join(FONTS))


def _git() -> Finding:
    version = git_version()
    if not version:
        return Finding("git", ERROR, "nicht installiert", "apt-get install git")
    return Finding("git", OK, f"Version {version}")


def _java() -> Finding:
    java = shutil.which("java")
    if java is None:
        return Finding(
            "Java (für PDF-Prüfung)",
            NOTE,
            "nicht installiert; nur zum Prüfen der PDF-Dateien mit veraPDF nötig",
            "apt-get install default-jre-headless",
        )
    out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    first = (out.stderr or out.stdout).strip().split("\n", 1)[0]
    return Finding("Java (für PDF-Prüfung)", OK, first)


def _identity(ws: Workspace) -> Finding:
    store = ws.store
    name = os.environ.get("GIT_AUTHOR_NAME") or store.config_value("user.name")
    email = os.environ.get("GIT_AUTHOR_EMAIL") or store.config_value("user.email")
    if not name or not email:
        return Finding(
            "Ihr Name für Änderungen",
            ERROR,
            "git kennt Ihren Namen oder Ihre E-Mail-Adresse nicht",
            'git config --global user.name "Vorname Nachname" und '
            'git config --global user.email "name@example.org"',
        )
    return Finding("Ihr Name für Änderungen", OK, f"{name} <{email}>")


def _remote(ws: Workspace) -> Finding:
    url = ws.config.remote
    if not url:
        return Finding(
            "Gemeinsames Archiv",
            NOTE,
            "keins eingetragen (remote in lafast.yaml); Sie arbeiten allein",
            "Für die Arbeit im Team die Adresse des git-Servers unter remote: eintragen und "
            'mit „lafast config save -m "…"“ speichern.',
        )
    error = ws.store.remote_reachable(url)
    if error:
        return Finding(
            "Gemeinsames Archiv",
            ERROR,
            f"{url} nicht erreichbar: {error}",
            "Netzwerk, Adresse und Zugangsdaten prüfen (z. B. SSH-Schlüssel beim Server).",
        )
    return Finding("Gemeinsames Archiv", OK, f"{url} erreichbar")


def _workspace_state(ws: Workspace) -> Finding:
    open_merge = conflict.pending(ws)
    if open_merge is not None:
        return Finding(
            "Arbeitsbereich",
            ERROR,
            "der Abgleich mit dem gemeinsamen Archiv ist nicht abgeschlossen (zwei Fassungen "
            "derselben Textstelle)",
            "„lafast conflict show“, dann „lafast conflict keep …“ und „lafast save …“; oder "
            "„lafast sync --abbrechen“.",
        )
    changed = ws.store.changed_paths(ws.root)
    if changed:
        drafts = sorted({c.split("/")[1] for c in changed if c.startswith("drafts/")})
        steps = []
        if CONFIG_NAME in changed:
            steps.append('lafast.yaml mit „lafast config save -m "…"“ prüfen und speichern')
        steps += [f'„lafast save {slug} -m "…"“' for slug in drafts[:3]]
        if not steps:
            steps.append('„lafast save KURZNAME -m "…"“')
        return Finding(
            "Arbeitsbereich",
            NOTE,
            f"{len(changed)} nicht gespeicherte Änderung(en), z. B. {changed[0]}",
            "Speichern: " + "; ".join(steps) + ".",
        )
    return Finding("Arbeitsbereich", OK, f"{ws.root}, alles gespeichert")


def _described(exc: Any) -> str:
    """An error's message with its listed problems (line numbers included)."""
    found = "; ".join(
        f"{p.location()}: {p.message}" if p.location() else p.message for p in exc.problems
    )
    return f"{exc.message} {found}".strip()


def _me(ws: Workspace, keys: Keyring) -> Person | None:
    """Who works at this computer: `person:` in the local settings, else the person whose
    e-mail in lafast.yaml is git's (only to choose what doctor reports, never for trust)."""
    if keys.person:
        return ws.config.person(keys.person)
    email = os.environ.get("GIT_AUTHOR_EMAIL") or ws.store.config_value("user.email")
    found = [p for p in ws.config.people if email and p.email.lower() == email.lower()]
    return found[0] if len(found) == 1 else None


def _no_signing_role(ws: Workspace, keys: Keyring) -> Person | None:
    """The person at this computer if known and without a role that approves anything."""
    me = _me(ws, keys)
    return me if me is not None and not signs(ws, me) else None


def _signing_git(ws: Workspace) -> Finding:
    topic = "Signierte Freigaben"
    try:
        keys = load_keyring(ws)
    except LafastError as exc:
        return Finding(topic, ERROR, _described(exc), exc.hint or "")
    bystander = _no_signing_role(ws, keys)
    if not keys.git_signing:
        return Finding(
            topic,
            NOTE,
            "nicht eingerichtet: Freigaben sind nicht authentifiziert",
            "lafast signing setup (README, „Signatur einrichten“).",
        )
    if keys.allowed_signers is None or not keys.allowed_signers.is_file():
        return Finding(
            topic,
            ERROR,
            "die Liste der zugelassenen Schlüssel fehlt (ohne sie lassen sich Freigaben nicht "
            "prüfen)",
            "lafast signing setup --allowed-signers PFAD (die Liste gibt die Person, die sie "
            "pflegt).",
        )
    if not keys.signing_key and bystander is not None:
        return Finding(
            topic,
            OK,
            f"Liste {keys.allowed_signers}; kein eigener Schlüssel nötig ({bystander.name} hat "
            "keine Freigaberolle)",
        )
    if not keys.signing_key:
        return Finding(
            topic,
            NOTE,
            "kein eigener Signaturschlüssel: Sie können Freigaben prüfen, aber nicht erteilen",
            "lafast signing setup --person IHRE-KENNUNG",
        )
    if keys.git_format == "ssh" and not Path(keys.signing_key).expanduser().is_file():
        return Finding(
            topic,
            ERROR,
            f"der Schlüssel {keys.signing_key} fehlt",
            "Pfad in .git/lafast-local.yaml prüfen oder mit ssh-keygen einen Schlüssel anlegen.",
        )
    if keys.roles is None:
        return Finding(
            topic,
            NOTE,
            f"{keys.git_format}, Liste {keys.allowed_signers}; die Rollen sind nicht auf "
            "diesem Rechner festgelegt: wer einen zugelassenen Schlüssel hat, könnte sich per "
            "Commit an lafast.yaml eine Rolle geben",
            "In .git/lafast-local.yaml unter git: „roles: {leitung: [personenkennung], …}“ "
            "eintragen.",
        )
    return Finding(topic, OK, f"{keys.git_format}, Liste {keys.allowed_signers}, Rollen festgelegt")


def _signing_pdf(ws: Workspace, *, today: dt.date | None = None) -> Finding:
    topic = "Zertifikat für PDF-Signaturen"
    try:
        keys = load_keyring(ws)
    except LafastError as exc:
        return Finding(topic, ERROR, _described(exc), exc.hint or "")
    if not keys.has_seal:
        bystander = _no_signing_role(ws, keys)
        if bystander is not None:
            return Finding(
                topic,
                OK,
                f"auf diesem Rechner nicht nötig ({bystander.name} hat keine Freigaberolle; "
                "signiert wird, wo endgültige Fassungen entstehen)",
            )
        status = ERROR if keys.pdf_required else NOTE
        return Finding(
            topic,
            status,
            "nicht eingerichtet"
            + (" (lafast.yaml verlangt signierte PDF-Dateien)" if keys.pdf_required else ""),
            "lafast signing seal --pkcs12 DATEI --password-env VARIABLE (Datei einer "
            "Zertifizierungsstelle) oder lafast signing ca ORDNER … (eigene); README, "
            "„Signatur einrichten“.",
        )
    try:
        cert = seal_cert(keys)
    except LafastError as exc:
        return Finding(
            topic,
            ERROR,
            f"{keys.seal_name} lässt sich nicht öffnen: {exc.message}",
            exc.hint or f"Kennwort in {keys.password_env or 'der Umgebungsvariable'} prüfen.",
        )
    ends = cert.not_valid_after.date()
    left = (ends - (today or dt.date.today())).days
    if left < WARN_DAYS:
        return Finding(
            topic,
            ERROR,
            f"läuft am {ends:%d.%m.%Y} ab" if left >= 0 else f"abgelaufen am {ends:%d.%m.%Y}",
            "Rechtzeitig ein neues Zertifikat beantragen und mit „lafast signing seal --pkcs12 "
            "DATEI“ eintragen (eigene Zertifizierungsstelle: „lafast signing ca ORDNER …“).",
        )
    stale = _archive_due(keys, today or dt.date.today())
    if stale is not None:
        return stale
    if not keys.timestamp_url:
        return Finding(
            topic,
            NOTE,
            f"{keys.seal_name}, gültig bis {ends:%d.%m.%Y}; ohne Zeitstempeldienst lassen "
            "sich Signaturen nach diesem Tag nicht mehr prüfen",
            "lafast signing seal --timestamp-url ADRESSE (Zeitstempeldienst nach RFC 3161)",
        )
    return Finding(
        topic,
        OK,
        f"{keys.seal_name}, gültig bis {ends:%d.%m.%Y}; Zeitstempel von {keys.timestamp_url}",
    )


def _archive_due(keys: Keyring, today: dt.date) -> Finding | None:
    """The watched site (`signing archive`): a signed PDF whose newest timestamp's certificate
    ends within WARN_DAYS needs a new archive timestamp before then."""
    if keys.site is None or not keys.site.is_dir():
        return None
    try:
        h = archive.horizon(keys.site)
    except LafastError as exc:
        return Finding("Archivzeitstempel", ERROR, _described(exc), exc.hint or "")
    if h.ends is None or (h.ends.date() - today).days >= WARN_DAYS:
        return None
    name = h.file.name if h.file is not None else "?"
    return Finding(
        "Archivzeitstempel",
        ERROR,
        f"der Zeitstempel von {name} (und ggf. weiteren) ist nur bis {h.ends:%d.%m.%Y} belegt; "
        "danach lässt sich die Signatur nicht mehr prüfen",
        f"Vorher: lafast signing archive --site {h.site}",
    )


ENVIRONMENT: tuple[Callable[[], Finding], ...] = (
    _installation,
    _python,
    _pandoc,
    _weasyprint,
    _fonts,
    _git,
    _java,
)
WORKSPACE: tuple[Callable[[Workspace], Finding], ...] = (
    _workspace_state,
    _identity,
    _remote,
    _signing_git,
    _signing_pdf,
)


def signing_findings(ws: Workspace) -> list[Finding]:
    """What `lafast signing setup` and `seal` check after they have written the settings."""
    return [_signing_git(ws), _signing_pdf(ws)]


def diagnose(ws: Workspace | None, *, workspace_error: str = "") -> list[Finding]:
    """All findings: the computer first, then the workspace (if there is one)."""
    findings = [check() for check in ENVIRONMENT]
    if ws is None:
        findings.append(
            Finding(
                "Arbeitsbereich",
                NOTE,
                workspace_error or "hier ist keiner",
                "In den Ordner mit lafast.yaml wechseln oder „lafast init ORDNER“.",
            )
        )
        return findings
    findings += [check(ws) for check in WORKSPACE]
    return findings
