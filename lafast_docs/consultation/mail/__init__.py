"""Outgoing mail of a consultation: invitations, reminders, reply letters and publication
notices, prepared as drafts (.eml) or sent through the office's SMTP server, each recorded in
the round (`versand.yaml`)."""
