"""Decisions on comments: disposition, the disposition sheet, consensus, merge, provenance."""
