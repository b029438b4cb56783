"""Which hosts and origins this server answers to: `RUNPLANE_ALLOWED_HOSTS` (by default the
loopback names and the address `serve` binds) and `RUNPLANE_PUBLIC_URL`.

The front door refuses any other `Host` (DNS rebinding), and the same-origin checks of the
API and the dashboard compare `Origin` with these, never with the request's own `Host`.

    origins = Origins.of(settings, bind="127.0.0.1")
    origins.host_allowed("localhost:8000")            # True
    origins.origin_allowed("http://evil.example")     # False
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from runplane.settings import Settings

LOOPBACK = ("localhost", "127.0.0.1", "::1")
WILDCARDS = ("", "0.0.0.0", "::", "*")


class HostsRequired(ValueError):
    """A wildcard bind without `RUNPLANE_ALLOWED_HOSTS`: no name to check `Host` against."""


@dataclass(frozen=True)
class Origins:
    hosts: frozenset[str]
    """Lowercase host names and addresses, without ports."""
    public: str | None = None
    """The public URL's origin, e.g. `https://runplane.example.com`."""

    @classmethod
    def of(cls, settings: Settings, bind: str | None = None) -> Origins:
        """The allowed hosts for a server bound to `bind` (None: not bound, loopback only).

        Raises `HostsRequired` for a wildcard bind without `RUNPLANE_ALLOWED_HOSTS`.
        """
        if settings.allowed_hosts:
            hosts = {h.strip().lower().strip("[]") for h in settings.allowed_hosts}
        elif bind is not None and bind.strip("[]") in WILDCARDS:
            raise HostsRequired(
                f"serving on {bind} answers on every address, so Runplane cannot tell its own "
                "names: set RUNPLANE_ALLOWED_HOSTS to the names users reach it by "
                "(e.g. RUNPLANE_ALLOWED_HOSTS=runplane.example.com,10.0.0.5)"
            )
        else:
            hosts = set(LOOPBACK) | ({bind.lower().strip("[]")} if bind else set())
        public = None
        if settings.public_url:
            parts = urlsplit(settings.public_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(
                    f"RUNPLANE_PUBLIC_URL {settings.public_url!r} is not an http(s) URL"
                )
            public = f"{parts.scheme}://{parts.netloc}".lower()
            hosts.add(parts.hostname.lower())
        return cls(frozenset(hosts), public)

    def host_allowed(self, host: str | None) -> bool:
        """Whether a `Host` header (`name`, `name:port`, `[::1]:8000`) names this server."""
        name = host_name(host or "")
        return name is not None and name in self.hosts

    def origin_allowed(self, origin: str) -> bool:
        """Whether an `Origin` (or a `Referer`'s origin) is this server's: the public URL, or
        http(s) on an allowed host. `null` (sandboxed or opaque) never is."""
        parts = urlsplit(origin.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return False
        if self.public is not None and f"{parts.scheme}://{parts.netloc}".lower() == self.public:
            return True
        return (parts.hostname or "").lower() in self.hosts

    @property
    def secure(self) -> bool:
        """Whether users reach the server over HTTPS (its cookies are then `Secure`)."""
        return self.public is not None and self.public.startswith("https://")


def host_name(host: str) -> str | None:
    """The name of a `Host` header without its port, lowercase; None when malformed."""
    host = host.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        if end < 0 or (host[end + 1 :] and not host[end + 1 :].startswith(":")):
            return None
        return host[1:end] or None
    name, _, port = host.partition(":")
    if port and not port.isdigit():
        return None
    if not name or any(c in name for c in "/\\@ \t"):
        return None
    return name
