"""Output products: the document, redline, Synopse and reply letters."""
