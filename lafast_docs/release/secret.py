"""Passwords and PINs: from an environment variable, else asked for at a terminal, never echoed.

A secret never goes on the command line (it would stand in the shell history and in `ps`). A
script sets the variable; a person at a terminal is asked (getpass reads from the terminal
itself, with echo off). In a pipe or a cron job, with the variable not set, there is nobody to
ask: refused with the name of the variable to set. What was typed is kept for the rest of the
process, so that `render --final` with several PDFs asks once.
"""

from __future__ import annotations

import getpass
import os
import sys

from lafast_docs.errors import PasswordMissing

_asked: dict[str, str] = {}


def at_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


ROOT = ("--root-password-env", "LAFAST_WURZEL_PW")  # the option and variable to name for a root
SEAL = ("--password-env", "LAFAST_PDF_PASSWORD")


def secret(
    env: str,
    *,
    what: str,
    key: str = "",
    confirm: bool = False,
    option: tuple[str, str] = SEAL,
) -> str:
    """The value of the environment variable `env`; if it is not set (or `env` is empty), asked
    for at a terminal with the German label `what` ("Kennwort des Siegels siegel.p12"), twice
    with `confirm` (a new password: a typo would lock the key away). `key` names the secret for
    the process-wide memory (default: `what`); `option`: the command's option for the variable
    and a name to suggest, for the refusal in a pipe."""
    if env:
        value = os.environ.get(env)
        if value is not None:
            return value
    key = key or what
    if key in _asked:
        return _asked[key]
    variable = env or option[1]
    if not at_terminal():
        raise PasswordMissing(
            f"{what}: "
            + (
                f"die Umgebungsvariable {env} ist nicht gesetzt"
                if env
                else "es ist keine Umgebungsvariable dafür eingerichtet"
            )
            + ", und ohne Terminal kann lafast nicht danach fragen.",
            hint=f"Vor dem Aufruf setzen, z. B. „read -s {variable} && export {variable}“"
            + ("." if env else f", und „{option[0]} {variable}“ angeben."),
        )
    try:
        value = getpass.getpass(f"{what} (Eingabe wird nicht angezeigt): ")
        again = getpass.getpass(f"{what} wiederholen: ") if confirm else value
    except (EOFError, KeyboardInterrupt) as exc:
        raise PasswordMissing(f"{what}: keine Eingabe.", hint="Erneut aufrufen.") from exc
    if again != value:
        raise PasswordMissing(
            f"{what}: die beiden Eingaben stimmen nicht überein. Nichts wurde geändert.",
            hint="Erneut aufrufen und das Kennwort zweimal gleich eingeben.",
        )
    if not value:
        raise PasswordMissing(f"{what}: leer eingegeben.", hint="Ein Kennwort eingeben.")
    _asked[key] = value
    return value


def remembered(key: str) -> str | None:
    """What was typed for `key` earlier in this process (e.g. while the seal was set up)."""
    return _asked.get(key)


def forget(key: str) -> None:
    """Drop a typed secret that turned out wrong, so the next attempt asks again."""
    _asked.pop(key, None)
