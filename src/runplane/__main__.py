"""`python -m runplane` is the `runplane` command."""

from runplane.cli.main import main

main()
