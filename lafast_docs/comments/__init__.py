"""Comments: forms for invitees, intake of returned files, anchoring, storage."""
