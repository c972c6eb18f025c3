"""The address book in `lafast.yaml` (Träger and Gremien): `lafast org add` and `org remove`.

Edits keep the file's comments and the order of its keys; each is one commit.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from lafast_docs.errors import AddressBookError, ConfigError
from lafast_docs.storage import yamlio
from lafast_docs.storage.files import atomic_write
from lafast_docs.workspace.config import (
    CONFIG_NAME,
    EMAIL_RE,
    ORG_TYPES,
    Config,
    Org,
    load_config,
)
from lafast_docs.workspace.slugs import check_slug
from lafast_docs.workspace.workspace import Workspace


def _config_tree(cfg: Config) -> Any:
    """The file as a round-trip tree: edits keep the comments and the order of keys."""
    return yamlio.load(cfg.path.read_text("utf-8"), path=cfg.path, error=ConfigError)


def _write_config(cfg: Config, data: Any) -> None:
    atomic_write(cfg.path, yamlio.dump(data))


def add_org(
    ws: Workspace, org_id: str, *, name: str, type: str, email: str = "", contact: str = ""
) -> Org:
    """Add an organisation to the address book, keeping the file's comments. Commits."""
    check_slug(org_id, what="Kennung der Organisation")
    if type not in ORG_TYPES:
        raise AddressBookError(f"Unbekannte Art „{type}“: erlaubt sind traeger und gremium.")
    if not name.strip():
        raise AddressBookError("Der Name der Organisation fehlt.", hint='Geben Sie --name "…" an.')
    if email and not EMAIL_RE.match(email):
        raise AddressBookError(f"„{email}“ ist keine gültige E-Mail-Adresse.")
    for label, value in (("Name", name), ("Ansprechperson", contact)):
        if any(unicodedata.category(ch).startswith("C") for ch in value.strip()):
            raise AddressBookError(
                f"{label} enthält Steuerzeichen (z. B. einen Zeilenumbruch oder unsichtbare "
                "Zeichen).",
                hint="Geben Sie den Text in einer Zeile ohne Sonderzeichen an.",
            )
    if ws.config.org(org_id):
        raise AddressBookError(
            f"Die Organisation „{org_id}“ steht schon im Adressbuch.",
            hint=f"Zum Ändern erst „lafast org remove {org_id}“ oder "
            f"{CONFIG_NAME} direkt bearbeiten.",
        )
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    data = _config_tree(ws.config)
    book = data.get("address_book")
    if not isinstance(book, list) or not book:
        book = CommentedSeq(book or [])
        data["address_book"] = book
    entry = CommentedMap([("id", org_id), ("name", name.strip()), ("type", type)])
    if email:
        entry["email"] = email
    if contact:
        entry["contact"] = contact.strip()
    book.append(entry)
    old = ws.config.path.read_bytes()
    _write_config(ws.config, data)
    try:
        ws.config = load_config(ws.config.path)
    except ConfigError:  # refused as a whole: lafast.yaml stays byte for byte as it was
        atomic_write(ws.config.path, old)
        raise
    ws.store.commit([ws.config.path], f"Adressbuch: {name.strip()} ({org_id}) hinzugefügt")
    org = ws.config.org(org_id)
    assert org is not None
    return org


def remove_org(ws: Workspace, org_id: str) -> Org:
    org = ws.config.org(org_id)
    if org is None:
        raise AddressBookError(
            f"„{org_id}“ steht nicht im Adressbuch.", hint="„lafast org list“ zeigt alle Einträge."
        )
    data = _config_tree(ws.config)
    book = data["address_book"]
    idx = next(i for i, e in enumerate(book) if str(e.get("id")) == org_id)
    del book[idx]
    _write_config(ws.config, data)
    ws.config = load_config(ws.config.path)
    ws.store.commit([ws.config.path], f"Adressbuch: {org.name} ({org_id}) entfernt")
    return org
