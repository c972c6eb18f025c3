"""The text: drafts, the text model (Randnummern, gender star), analysis, history, accessibility."""
