"""The dashboard's fixtures, for the domain's pages: the whole application in-process."""

from tests.web.conftest import basic_client, client  # noqa: F401  (shared fixtures)
