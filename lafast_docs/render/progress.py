"""Progress of long work, reported by the core and shown by whoever wants to (the command line
at a terminal: `cli/show.py`; nobody in pipes, scripts and tests).

The core says what it is doing; it never prints. A stage with a known count is `start`ed with
its total and `step`ped once per finished item; `note` names the item being worked on where
there is nothing to count (e.g. one large PDF). All calls come from the main thread: work run
on several cores reports when each piece is handed back (render/parallel.py).
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """What the core reports to (the command line's bar: cli/show.py `Bar`)."""

    def start(self, total: int, label: str) -> None:
        """A new stage of `total` items (0: not known), e.g. „Antwortschreiben“."""

    def step(self, text: str = "") -> None:
        """One item is done; `text` says which (e.g. „Caritas Dresden: PDF“)."""

    def note(self, text: str) -> None:
        """What is being worked on now, without counting it."""


class Quiet:
    """Reports nowhere: the default of every core function."""

    def start(self, total: int, label: str) -> None:
        pass

    def step(self, text: str = "") -> None:
        pass

    def note(self, text: str) -> None:
        pass


QUIET: Progress = Quiet()
