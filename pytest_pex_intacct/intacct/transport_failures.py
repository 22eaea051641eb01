"""Why an exchange got no usable answer, each cause in one line that says who is at fault."""

from __future__ import annotations

import requests
import urllib3.exceptions

from .errors import TransportError
from .reply_headers import refused_by_http_client

NOT_THE_COMPANY = "This is a network or Intacct problem, not the company's setup; run again later"


def timed_out(error: Exception) -> bool:
    return isinstance(error, (urllib3.exceptions.ReadTimeoutError, TimeoutError)) or "timed out" in str(error)


def still_sending(host: str | None) -> TransportError:
    return TransportError(f"{host} was still sending its answer when the time limit ran out")


def seconds_text(value: float) -> str:
    return f"{value:.3g} s"


def failure_before_the_head(
    host: str | None, timeout: tuple[float, float], error: Exception | None, expired: bool
) -> TransportError:
    """What stopped an attempt before its status line and headers were in, in one line.

    A timeout is named as such even past the deadline (the deadline's shutdown never raises one).
    """
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return TransportError(f"connecting to {host} timed out after {seconds_text(timeout[0])}")
    if isinstance(error, requests.exceptions.ReadTimeout):
        return TransportError(f"{host} accepted the connection but sent no answer within {seconds_text(timeout[1])}")
    if expired:
        return TransportError(f"the time limit ran out before {host} had sent its status line and headers")
    if isinstance(error, requests.exceptions.ConnectionError) and refused_by_http_client(error):
        return TransportError(
            f"{host} sent a status line or headers beyond the limits (64 KB a line, 100 lines); refused. "
            f"{NOT_THE_COMPANY}",
            retryable=False,
        )
    if isinstance(error, requests.exceptions.ConnectionError):
        return TransportError(describe_connection_error(host, error))
    return TransportError(f"HTTP request to {host} failed: {type(error).__name__}")


def describe_connection_error(host: str | None, error: Exception) -> str:
    text = str(error)
    if "NameResolution" in text or "Name or service not known" in text or "getaddrinfo" in text:
        return f"could not resolve the endpoint host {host} (DNS); check --intacct-endpoint and the network"
    if "Connection refused" in text or "ConnectionRefused" in text:
        return f"connection to {host} refused: check that the endpoint is right and reachable"
    if "Read timed out" in text or "timed out" in text:
        return f"{host} did not answer in time"
    if "reset" in text.lower() or "RemoteDisconnected" in text or "aborted" in text.lower():
        return f"{host} closed or reset the connection before a complete answer"
    return f"could not reach {host}: connection error"
