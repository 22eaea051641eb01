"""Which endpoint URLs can be Intacct's XML gateway (stdlib only, checked before any traffic)."""

from __future__ import annotations

from urllib.parse import urlsplit

from .errors import ConfigurationError

DEFAULT_ENDPOINT = "https://api.intacct.com/ia/xml/xmlgw.phtml"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def validate_endpoint(url: str) -> str:
    parts = urlsplit(url)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if parts.scheme not in ("https", "http") or not parts.hostname or not port_ok:
        raise ConfigurationError(f"endpoint {url!r} is not a valid http(s) URL; use e.g. {DEFAULT_ENDPOINT}")
    if parts.username or parts.password:
        raise ConfigurationError("endpoint URL must not contain credentials; passwords come from the environment")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise ConfigurationError(
            f"endpoint {parts.hostname} uses plain http; Intacct is reached over https only "
            "(plain http is accepted for a local simulator on loopback)"
        )
    return url
