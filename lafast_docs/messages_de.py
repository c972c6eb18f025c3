"""German texts for the messages click prints itself (usage errors, help headings).

click marks its messages with gettext but ships no German catalogue; `cli.py` installs
`translate` in click's modules. Unknown messages stay as they are.
"""

from __future__ import annotations

CLICK_DE = {
    "Usage:": "Aufruf:",
    "Options": "Optionen",
    "Commands": "Befehle",
    "Show this message and exit.": "Diese Hilfe anzeigen und beenden.",
    "Show the version and exit.": "Die Version anzeigen und beenden.",
    "Error": "Fehler",
    "Missing argument": "Fehlende Angabe",
    "Missing command.": "Es fehlt ein Befehl.",
    "Missing option": "Fehlende Option",
    "Missing parameter": "Fehlende Angabe",
    "Missing argument {param_hint}.": "Es fehlt die Angabe {param_hint}.",
    "Missing option {param_hint}.": "Es fehlt die Option {param_hint}.",
    "Missing parameter {param_hint}.": "Es fehlt die Angabe {param_hint}.",
    "No such option: {name}": "Unbekannte Option: {name}",
    "No such command {name!r}.": "Unbekannter Befehl „{name}“.",
    "Got unexpected extra argument ({args})": "Unerwartete zusätzliche Angabe ({args})",
    "Got unexpected extra arguments ({args})": "Unerwartete zusätzliche Angaben ({args})",
    "Try {command!r} for help.": "Hilfe: „{command}“.",
    "Invalid value for {param_hint}: {message}": "Ungültiger Wert für {param_hint}: {message}",
    "Invalid value: {message}": "Ungültiger Wert: {message}",
    "Option {name!r} requires an argument.": "Die Option {name} braucht einen Wert.",
    "Option {name!r} requires {nargs} arguments.": "Die Option {name} braucht {nargs} Werte.",
    "Did you mean {possibility}?": "Meinten Sie {possibility}?",
    "(Possible options: {possibilities})": "(Mögliche Optionen: {possibilities})",
    "{value!r} is not one of {choices}.": "„{value}“ ist keine der Möglichkeiten {choices}.",
    "{value!r} is not a valid {number_type}.": "„{value}“ ist keine gültige Zahl.",
    "{name} {filename!r} does not exist.": "{name} „{filename}“ gibt es nicht.",
    "{name} {filename!r} is a file.": "{name} „{filename}“ ist eine Datei.",
    "{name} {filename!r} is a directory.": "{name} „{filename}“ ist ein Ordner.",
    "Directory": "Ordner",
    "File": "Datei",
    "Path": "Pfad",
    "Aborted!": "Abgebrochen.",
    "required": "Pflicht",
    "default": "Vorgabe",
}


def translate(message: str) -> str:
    return CLICK_DE.get(message, message)


def ntranslate(singular: str, plural: str, n: int) -> str:
    return translate(singular if n == 1 else plural)
