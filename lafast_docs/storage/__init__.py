"""Storage: git (the only code that runs git), atomic files, crash journal, lock, YAML."""
