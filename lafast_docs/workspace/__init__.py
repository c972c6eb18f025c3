"""The workspace: its configuration (lafast.yaml), address book and creation."""
