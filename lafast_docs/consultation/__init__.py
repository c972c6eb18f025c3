"""Consultation rounds: forms, submissions, anchoring, views; intake/ reads returned files."""
