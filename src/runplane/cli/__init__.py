"""The `runplane` command line: thin commands over the engine and the read models."""
