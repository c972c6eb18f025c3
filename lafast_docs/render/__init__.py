"""The render engine room: one output pipeline and its engines (pdf, docx, html, tables)."""
