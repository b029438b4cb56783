"""The front door of `runplane serve`, in front of the API and the dashboard: the host check,
the same-origin and content-type checks of the API's writes, and authentication, which
leaves each request's `identity.Caller` for `current_caller`.

`server.py` installs it (`install`); routes and pages never import it.
"""

from runplane.access.gate import install

__all__ = ["install"]
