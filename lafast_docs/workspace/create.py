"""`lafast init`: a new workspace is a git repository with lafast.yaml and the standard folders."""

from __future__ import annotations

from pathlib import Path

from lafast_docs.errors import FolderNotUsable
from lafast_docs.storage.files import atomic_write
from lafast_docs.storage.git import Store
from lafast_docs.workspace.config import CONFIG_NAME, DEFAULT_CONFIG, load_config
from lafast_docs.workspace.workspace import Workspace

GITIGNORE = """\
# Erzeugte Dateien (PDF, DOCX, HTML) – werden jederzeit neu erstellt
build/
# Zwischenspeicher von Editoren und Python
*.tmp
*~
.~lock.*#
__pycache__/
"""

TEMPLATES_README = """\
# Eigene Vorlagen (optional)

Hier können Sie die mitgelieferten Vorlagen für einen Dokumenttyp ersetzen, z. B.
`templates/fachstandard/style.css` oder `templates/stellungnahme/reference.docx`.
Was hier fehlt, kommt aus den eingebauten Vorlagen von lafast.
"""

REGISTER_NAME = "kennzahlen.yaml"  # read by text/register.py
REGISTER_TEMPLATE = """\
# Kennzahlenregister: Zahlen und Rechtsgrundlagen, die mehrere Dokumente zitieren.
# Im Text: [1:80]{kz=betreuungsschluessel} oder [§ 12 LAufnG]{norm=laufng-12}; beim Erzeugen
# setzt lafast den Wert ein, der zum Stand des Dokuments gilt. Ein neuer Wert bekommt einen
# neuen Zeitraum, der alte bleibt stehen („lafast register set“ erledigt das).
#
# Beispiel (Rauten am Zeilenanfang entfernen):
# kennzahlen:
#   betreuungsschluessel:
#     titel: Betreuungsschlüssel Migrationssozialarbeit
#     einheit: Fachkraft je betreute Personen
#     werte:
#       - wert: "1:80"
#         gueltig_ab: 2026-01-01
#         quelle: § 12 Abs. 2 LAufnG
#         link: https://www.revosax.sachsen.de/
# rechtsgrundlagen:
#   laufng-12:
#     titel: Landesaufnahmegesetz, Migrationssozialarbeit
#     fassungen:
#       - zitat: § 12 Abs. 2 LAufnG
#         link: https://www.revosax.sachsen.de/
format: 1
"""

FOLDER_NOTES = {
    "drafts": "# Entwürfe\n\nJeder Entwurf liegt in einem eigenen Ordner: "
    "`drafts/<kurzname>/document.md`, Bilder daneben (z. B. `bilder/`).\n",
    "comments": "# Rückmeldungen\n\nEingegangene Stellungnahmen der Träger und Gremien, je "
    "Dokument und Beteiligungsrunde.\n",
}


def init_workspace(target: Path, *, name: str = "") -> Workspace:
    """Create the workspace in `target` (created if missing) and make the first commit."""
    target = target.resolve()
    if (target / CONFIG_NAME).exists():
        raise FolderNotUsable(
            f"In {target} gibt es schon einen lafast-Arbeitsbereich.",
            hint="Arbeiten Sie dort weiter oder wählen Sie einen anderen Ordner.",
        )
    if target.exists() and not target.is_dir():
        raise FolderNotUsable(f"{target} ist eine Datei, kein Ordner.")
    target.mkdir(parents=True, exist_ok=True)
    store = Store(target) if (target / ".git").exists() else Store.init(target)
    org_name = name.strip() or "Landesfachstelle Flüchtlings- und Migrationssozialarbeit"
    atomic_write(target / CONFIG_NAME, DEFAULT_CONFIG.replace("{name}", org_name.replace('"', "'")))
    created = [target / CONFIG_NAME]
    gi = target / ".gitignore"
    if not gi.exists():
        atomic_write(gi, GITIGNORE)
        created.append(gi)
    for folder, note in FOLDER_NOTES.items():
        readme = target / folder / "README.md"
        if not readme.exists():
            atomic_write(readme, note)
        created.append(target / folder)
    atomic_write(target / "templates" / "README.md", TEMPLATES_README)
    if not (target / REGISTER_NAME).exists():
        atomic_write(target / REGISTER_NAME, REGISTER_TEMPLATE)
        created.append(target / REGISTER_NAME)
    created.append(target / "templates")
    store.commit(created, "Arbeitsbereich angelegt")
    return Workspace(target, load_config(target / CONFIG_NAME))
