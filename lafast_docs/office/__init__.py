"""Across all stages: status of all documents, doctor, the demo."""
