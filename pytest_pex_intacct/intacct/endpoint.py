"""Which endpoint URLs can be Intacct's XML gateway (stdlib only, checked before any traffic)."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from .errors import ConfigurationError

DEFAULT_ENDPOINT = "https://api.intacct.com/ia/xml/xmlgw.phtml"


_HOSTNAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


def _is_ip_address(hostname: str) -> bool:
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return True


def is_loopback_host(host: str | None) -> bool:
    """``localhost`` or a loopback address: where a local simulator may listen."""
    if not host:
        return False
    return host.lower() == "localhost" or (_is_ip_address(host) and ipaddress.ip_address(host).is_loopback)


def _is_intacct_host(hostname: str) -> bool:
    # The official SDKs refuse endpoints outside intacct.com: a typo in a URL must not send the
    # company's passwords to someone else (docs/intacct-api.md §9).
    return hostname == "intacct.com" or hostname.endswith(".intacct.com")


def validate_endpoint(url: str) -> str:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ConfigurationError(f"endpoint is not a valid URL; use e.g. {DEFAULT_ENDPOINT}") from None
    # Credentials are checked before anything that could echo the URL.
    if "@" in parts.netloc:
        raise ConfigurationError("endpoint URL must not contain credentials; passwords come from the environment")
    hostname = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not hostname or port == 0:
        raise ConfigurationError(f"endpoint {url!r} is not a valid http(s) URL; use e.g. {DEFAULT_ENDPOINT}")
    if is_loopback_host(hostname):
        return url
    if _is_ip_address(hostname):
        raise ConfigurationError(
            f"endpoint host {hostname} is not an Intacct host (*.intacct.com); the passwords are only ever "
            f"sent to Intacct or to a local simulator on loopback, e.g. {DEFAULT_ENDPOINT}"
        )
    if not _HOSTNAME.fullmatch(hostname):
        raise ConfigurationError(f"endpoint host {hostname!r} is not a valid host name; use e.g. {DEFAULT_ENDPOINT}")
    if not _is_intacct_host(hostname):
        raise ConfigurationError(
            f"endpoint host {hostname} is not an Intacct host (*.intacct.com); the passwords are only ever "
            f"sent to Intacct or to a local simulator on loopback, e.g. {DEFAULT_ENDPOINT}"
        )
    if parts.scheme == "http":
        raise ConfigurationError(
            f"endpoint {hostname} uses plain http; Intacct is reached over https only "
            "(plain http is accepted for a local simulator on loopback)"
        )
    return url
