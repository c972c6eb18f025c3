"""Who sent it: the sender of an e-mail against the address book of the organisation that
the attached form names. A form can be forwarded, or forged; a sender whose address (or
domain) is not the one in the address book is imported, but said, recorded on the submission
(`sender`) and shown by `consult status` until staff confirm it with `--from ORG`."""

from __future__ import annotations

from typing import Any

from lafast_docs.workspace.config import Org

MATCH, MISMATCH, CONFIRMED = "passt", "abweichend", "bestaetigt"


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().lower().rstrip(".")


def check_sender(org: Org, sender: str, *, confirmed: bool) -> dict[str, Any] | None:
    """The record of the check (None when the file did not come by e-mail)."""
    sender = sender.strip()
    if not sender:
        return None
    expected = org.email.strip()
    if expected and sender.lower() == expected.lower():
        state, how = MATCH, "adresse"
    elif expected and _domain(sender) == _domain(expected):
        state, how = MATCH, "domain"
    else:
        state, how = (CONFIRMED if confirmed else MISMATCH), ""
    record: dict[str, Any] = {"email": sender, "adressbuch": expected, "pruefung": state}
    if how:
        record["uebereinstimmung"] = how
    return record


def warning(check: dict[str, Any] | None, org: Org) -> str:
    """The German note for an import result, or '' when the sender fits."""
    if not check or check["pruefung"] != MISMATCH:
        return ""
    book = f"im Adressbuch: {check['adressbuch']}" if check["adressbuch"] else "keine im Adressbuch"
    return (
        f"Achtung: Absender {check['email']} passt nicht zu {org.name} ({book}). Die Rückmeldung "
        f"ist eingelesen und als „Absender abweichend“ vermerkt. Bitte beim Träger nachfragen; "
        f"ist sie echt, bestätigen: lafast comments import DATEI --from {org.id}"
    )


def is_unconfirmed(data: dict[str, Any]) -> bool:
    """Whether a stored submission came from a sender nobody has confirmed yet."""
    return bool((data.get("sender") or {}).get("pruefung") == MISMATCH)
