"""The workspace: `Workspace` and `find_workspace` (workspace.py), its configuration (config.py),
address book (addressbook.py), short names (slugs.py) and `lafast init` (create.py)."""

from lafast_docs.workspace.workspace import Workspace, find_workspace

__all__ = ["Workspace", "find_workspace"]
