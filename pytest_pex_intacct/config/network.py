"""How a run reaches Intacct, read from the environment once, before any read starts.

The environment is process-wide and pytest changes it while tests run (``PYTEST_CURRENT_TEST``): a read
thread that iterated ``os.environ`` for its proxies could see it change under it and lose a healthy
company. So the proxies, the CA bundle and the timeouts are resolved here, in the main thread, into a
value the reads are handed. Stdlib only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..intacct.endpoint import is_loopback_host
from ..intacct.timeouts import Timeouts


@dataclass(frozen=True)
class Network:
    timeouts: Timeouts = field(default_factory=Timeouts)
    # scheme → proxy URL for the endpoint's host; none for loopback or a host no_proxy names.
    proxies: tuple[tuple[str, str], ...] = ()
    # REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE, as requests reads them; None: the default trust store.
    ca_bundle: str | None = None


def _proxy_variables(environ: Mapping[str, str]) -> dict[str, str]:
    """``<scheme>_proxy`` variables, the lower-case spelling first (as urllib and requests read them)."""
    found: dict[str, str] = {}
    for name, value in environ.items():
        if name.upper().endswith("_PROXY") and value.strip():
            scheme = name[: -len("_proxy")].lower()
            if scheme not in found or name.islower():
                found[scheme] = value.strip()
    return found


def _bypassed(host: str, no_proxy: str) -> bool:
    """Whether ``no_proxy`` (``*``, hosts, ``.domain`` suffixes, ``host:port``) names the host."""
    host = host.lower()
    for entry in (part.strip().lower() for part in no_proxy.split(",")):
        name = entry.rsplit(":", 1)[0] if entry.count(":") == 1 else entry
        if entry == "*" or (name and (host == name.lstrip(".") or host.endswith("." + name.lstrip(".")))):
            return True
    return False


def network_for(endpoint: str, environ: Mapping[str, str]) -> Network:
    """The run's network, from ``environ`` (a ConfigurationError for bad timeouts)."""
    timeouts = Timeouts.from_environment(environ)
    ca_bundle = environ.get("REQUESTS_CA_BUNDLE") or environ.get("CURL_CA_BUNDLE") or None
    host = urlsplit(endpoint).hostname or ""
    variables = _proxy_variables(environ)
    no_proxy = variables.pop("no", "")
    # A loopback simulator never goes through a proxy: the body carries the passwords in the clear.
    if is_loopback_host(host) or _bypassed(host, no_proxy):
        return Network(timeouts, (), ca_bundle)
    return Network(timeouts, tuple(sorted(variables.items())), ca_bundle)
