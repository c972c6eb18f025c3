"""German texts for the messages click prints itself (usage errors, help headings).

click marks its messages with gettext but ships no German catalogue; `install` puts
`translate` into click's modules (cli/base.py calls it). Unknown messages stay as they are.
"""

from __future__ import annotations

import sys

CLICK_DE = {
    "Usage:": "Aufruf:",
    "Options": "Optionen",
    "Commands": "Befehle",
    "Show this message and exit.": "Diese Hilfe anzeigen und beenden.",
    "Show the version and exit.": "Die Version anzeigen und beenden.",
    "Error: {message}": "Fehler: {message}",
    "Try '{command} {option}' for help.": "Hilfe: „{command} {option}“.",
    "No such option {name!r}.": "Unbekannte Option: {name}",
    "Option {name!r} does not take a value.": "Die Option {name} nimmt keinen Wert.",
    "Missing {param_type}": "Es fehlt: {param_type}",
    "Missing parameter: {param_name}": "Es fehlt die Angabe {param_name}.",
    "Could not open file {filename!r}: {message}": "Datei „{filename}“ lässt sich nicht "
    "öffnen: {message}",
    "{value} is not in the range {range}.": "{value} liegt nicht im Bereich {range}.",
    "default: {default}": "Vorgabe: {default}",
    "directory": "Ordner",
    "file": "Datei",
    "path": "Pfad",
    "Missing argument": "Fehlende Angabe",
    "Missing command.": "Es fehlt ein Befehl.",
    "Missing option": "Fehlende Option",
    "Missing parameter": "Fehlende Angabe",
    "Missing argument {param_hint}.": "Es fehlt die Angabe {param_hint}.",
    "Missing option {param_hint}.": "Es fehlt die Option {param_hint}.",
    "Missing parameter {param_hint}.": "Es fehlt die Angabe {param_hint}.",
    "No such command {name!r}.": "Unbekannter Befehl „{name}“.",
    "Got unexpected extra argument ({args})": "Unerwartete zusätzliche Angabe ({args})",
    "Got unexpected extra arguments ({args})": "Unerwartete zusätzliche Angaben ({args})",
    "Invalid value for {param_hint}: {message}": "Ungültiger Wert für {param_hint}: {message}",
    "Invalid value: {message}": "Ungültiger Wert: {message}",
    "Option {name!r} requires an argument.": "Die Option {name} braucht einen Wert.",
    "Option {name!r} requires {nargs} arguments.": "Die Option {name} braucht {nargs} Werte.",
    "Did you mean {possibility}?": "Meinten Sie {possibility}?",
    "(Possible options: {possibilities})": "(Mögliche Optionen: {possibilities})",
    "{value!r} is not a valid {number_type}.": "„{value}“ ist keine gültige Zahl.",
    "{name} {filename!r} does not exist.": "{name} „{filename}“ gibt es nicht.",
    "{name} {filename!r} is a file.": "{name} „{filename}“ ist eine Datei.",
    "{name} {filename!r} is a directory.": "{name} „{filename}“ ist ein Ordner.",
    "Directory": "Ordner",
    "File": "Datei",
    "Path": "Pfad",
    "Choose from:\n\t{choices}": "Möglich sind:\n\t{choices}",
    "{value!r} is not {choice}.": "„{value}“ ist nicht erlaubt, nur {choice}.",
    "{value!r} is not one of {choices}.": "„{value}“ ist keine der Möglichkeiten {choices}.",
    "Aborted!": "Abgebrochen.",
    "required": "Pflicht",
    "default": "Vorgabe",
}


def translate(message: str) -> str:
    return CLICK_DE.get(message, message)


def ntranslate(singular: str, plural: str, n: int) -> str:
    return translate(singular if n == 1 else plural)


def install() -> None:
    """Put `translate` into click's modules. Call it before any command is built: click
    translates some texts (a path parameter's "file", "directory") when an option is made."""
    for mod in ("core", "exceptions", "formatting", "decorators", "parser", "types", "termui"):
        m = sys.modules.get(f"click.{mod}")
        if m is not None and hasattr(m, "_"):
            m._ = translate  # type: ignore[attr-defined]
        if m is not None and hasattr(m, "ngettext"):
            m.ngettext = ntranslate  # type: ignore[attr-defined]
