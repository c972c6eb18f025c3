"""Release: sign-off, keys, signatures, final documents, publication and verification."""
