"""Which endpoint URLs can be Intacct's XML gateway (stdlib only, checked before any traffic)."""

from __future__ import annotations

from urllib.parse import urlsplit

from .errors import ConfigurationError

DEFAULT_ENDPOINT = "https://api.intacct.com/ia/xml/xmlgw.phtml"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _shown(url: str) -> str:
    """The URL as it may appear in a message: never with a user name or password."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return repr(url)
    host = parts.netloc.rsplit("@", 1)[1]
    return repr(f"{parts.scheme}://{host}{parts.path}")


def validate_endpoint(url: str) -> str:
    parts = urlsplit(url)
    # Credentials are checked first so that no later message can echo them.
    if "@" in parts.netloc:
        raise ConfigurationError("endpoint URL must not contain credentials; passwords come from the environment")
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if parts.scheme not in ("https", "http") or not parts.hostname or not port_ok:
        raise ConfigurationError(f"endpoint {_shown(url)} is not a valid http(s) URL; use e.g. {DEFAULT_ENDPOINT}")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise ConfigurationError(
            f"endpoint {parts.hostname} uses plain http; Intacct is reached over https only "
            "(plain http is accepted for a local simulator on loopback)"
        )
    return url
