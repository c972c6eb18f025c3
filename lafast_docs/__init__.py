"""lafast-docs: Stellungnahmen und Fachstandards gemeinsam mit dem Arbeitsfeld erarbeiten."""

__version__ = "0.1.0"
