"""Team work: synchronising with the shared remote."""
