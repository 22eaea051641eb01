"""A read never touches os.environ: pytest changes it while tests run, and a fleet reads in threads."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import SENDER_PASSWORD, USER_PASSWORD
from pytest_pex_intacct.config.network import network_for
from pytest_pex_intacct.config.settings import resolve_settings
from pytest_pex_intacct.recording.company_reading import take_snapshot


class WatchedEnvironment(os._Environ[str]):
    """``os.environ`` that notes every use from a thread other than the main one."""

    def __init__(self, real: os._Environ[str], touched: list[str]) -> None:
        self.__dict__.update(real.__dict__)
        self._touched = touched

    def _note(self, what: str) -> None:
        if threading.current_thread() is not threading.main_thread():
            self._touched.append(what)

    def __getitem__(self, key: str) -> str:
        self._note(f"[{key!r}]")
        return super().__getitem__(key)

    def __iter__(self) -> Iterator[str]:
        self._note("iteration")
        return super().__iter__()

    def __len__(self) -> int:
        self._note("len")
        return super().__len__()


def test_a_company_read_in_a_thread_never_touches_the_environment(
    simulator: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = simulator("ready")
    environ = {"INTACCT_SENDER_PASSWORD": SENDER_PASSWORD, "INTACCT_USER_PASSWORD": USER_PASSWORD}
    settings = resolve_settings({"company_id": "ACME", "endpoint": server.url}, environ, Path.cwd())
    touched: list[str] = []
    monkeypatch.setattr(os, "environ", WatchedEnvironment(os.environ, touched))
    outcome: list[Any] = []
    reader = threading.Thread(target=lambda: outcome.append(take_snapshot(settings)))
    reader.start()
    reader.join(timeout=60)
    assert not reader.is_alive()
    assert outcome and outcome[0].sign_in.user_signed_in
    assert touched == [], f"a read used os.environ from its thread: {touched[:5]}"


def test_the_network_is_resolved_from_the_environment_it_is_given() -> None:
    proxied = network_for("https://api.intacct.com/ia/xml/xmlgw.phtml", {"HTTPS_PROXY": "http://proxy.example:3128"})
    assert proxied.proxies == (("https", "http://proxy.example:3128"),)
    bypassed = network_for("https://api.intacct.com/x", {"https_proxy": "http://p:1", "no_proxy": ".intacct.com"})
    assert bypassed.proxies == ()
    # A loopback simulator never goes through a proxy: the request carries the passwords in the clear.
    assert network_for("http://127.0.0.1:8080/x", {"http_proxy": "http://p:1"}).proxies == ()
    assert network_for("https://api.intacct.com/x", {"REQUESTS_CA_BUNDLE": "/etc/ca.pem"}).ca_bundle == "/etc/ca.pem"
