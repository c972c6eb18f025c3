"""Intake of returned comment files: one reader per format, registered by extension."""
