"""The transport's timeouts, and the tests-and-CI-only ``PEX_INTACCT_TIMEOUTS`` override.

Stdlib (and ``.errors``) only, never requests or lxml: settings can read the variable before any
traffic, so a malformed value is a usage error up front instead of a failure at run time, without
making option parsing pay for the HTTP stack.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import ConfigurationError

# Tests and CI only (never a user-facing option): "connect,read,total" seconds for the default transport.
TIMEOUTS_ENVIRONMENT_VARIABLE = "PEX_INTACCT_TIMEOUTS"


@dataclass(frozen=True)
class Timeouts:
    connect_seconds: float = 10.0
    read_seconds: float = 60.0
    total_seconds: float = 180.0

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Timeouts:
        """The defaults, or ``PEX_INTACCT_TIMEOUTS="connect,read,total"`` (seconds) for tests and CI only.

        Short timeouts let the reliability suite prove "never hangs" quickly; a live sign-off keeps
        the defaults, so this is deliberately not a command-line option. Raises a one-line
        :class:`ConfigurationError` for anything but three positive, finite numbers.
        """
        value = (os.environ if environ is None else environ).get(TIMEOUTS_ENVIRONMENT_VARIABLE, "").strip()
        if not value:
            return cls()
        try:
            connect, read, total = (float(part) for part in value.split(","))
        except ValueError:
            connect = read = total = -1.0
        # The chained comparison also refuses NaN, which compares false with everything.
        if not all(0 < seconds < float("inf") for seconds in (connect, read, total)):
            raise ConfigurationError(
                f"{TIMEOUTS_ENVIRONMENT_VARIABLE} must be three positive numbers of seconds "
                f"'connect,read,total' (e.g. '1,1,3'), got {value[:40]!r}; unset it to use the defaults"
            )
        return cls(connect, read, total)
