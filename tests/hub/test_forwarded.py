"""What trusted reverse proxies forward, and nothing from anyone else (hub.forwarded)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hub.forwarded import TrustedProxies, caller_address, networks
from tests.support.served import ROOT, hub_environment

PROXIES = networks(["10.0.0.5", "172.16.0.0/12", "::1"])


@pytest.mark.parametrize(
    "remote, forwarded_for, caller",
    [
        # One proxy: it appended the address it saw.
        ("10.0.0.5", "203.0.113.7", "203.0.113.7"),
        # What the caller wrote in the header itself is left of that and counts for nothing.
        ("10.0.0.5", "198.51.100.1, 203.0.113.7", "203.0.113.7"),
        # Two proxies in a row, both trusted: the hop before them.
        ("10.0.0.5", "203.0.113.7, 172.20.1.9", "203.0.113.7"),
        # Only proxies: the farthest of them.
        ("10.0.0.5", "172.20.1.9", "172.20.1.9"),
        # Not an address: the walk stops at the last trusted hop.
        ("10.0.0.5", "unknown, 172.20.1.9", "172.20.1.9"),
        ("10.0.0.5", "bogus", "10.0.0.5"),
        ("::1", "2001:db8::7", "2001:db8::7"),
        # A server listening on :: sees IPv4 callers as IPv4-mapped IPv6 addresses.
        ("::ffff:10.0.0.5", "::ffff:203.0.113.7", "203.0.113.7"),
    ],
)
def test_the_caller_is_the_nearest_hop_that_is_no_proxy(remote, forwarded_for, caller):
    assert caller_address(remote, forwarded_for, PROXIES) == caller


def _seen(trusted, **environ) -> dict:
    seen = {}

    def application(environ, start_response):
        seen.update(environ)
        return [b""]

    TrustedProxies(application, trusted)(
        {"REMOTE_ADDR": "10.0.0.5", "wsgi.url_scheme": "http", **environ}, None
    )
    return seen


def test_a_trusted_proxy_sets_the_callers_address_and_scheme():
    seen = _seen(PROXIES, HTTP_X_FORWARDED_FOR="203.0.113.7", HTTP_X_FORWARDED_PROTO="https")
    assert (seen["REMOTE_ADDR"], seen["wsgi.url_scheme"]) == ("203.0.113.7", "https")
    # Appended by two proxies: the nearest one's word.
    assert _seen(PROXIES, HTTP_X_FORWARDED_PROTO="http, https")["wsgi.url_scheme"] == "https"
    # Nonsense is no scheme.
    assert _seen(PROXIES, HTTP_X_FORWARDED_PROTO="gopher")["wsgi.url_scheme"] == "http"


def test_a_proxy_seen_as_an_ipv4_mapped_address_is_still_trusted():
    seen = _seen(PROXIES, REMOTE_ADDR="::ffff:10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert seen["REMOTE_ADDR"] == "203.0.113.7"


def test_from_anyone_else_the_headers_count_for_nothing():
    claims = {"HTTP_X_FORWARDED_FOR": "203.0.113.7", "HTTP_X_FORWARDED_PROTO": "https"}
    for seen in (
        _seen(PROXIES, **{**claims, "REMOTE_ADDR": "192.0.2.44"}),  # not a proxy
        _seen((), **claims),  # no proxy configured (the default)
    ):
        assert seen["REMOTE_ADDR"] != "203.0.113.7"
        assert seen["wsgi.url_scheme"] == "http"


def test_a_bad_proxy_setting_is_named():
    with pytest.raises(ValueError, match="'10.0.0.300' is not an IP address or network"):
        networks(["10.0.0.1", "10.0.0.300"])


def test_a_bad_proxy_setting_stops_start_up_with_one_line(tmp_path):
    env = hub_environment(tmp_path, HUB_TRUSTED_PROXIES="10.0.0.1,proxy.local")
    result = subprocess.run(
        [sys.executable, "-m", "hub", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert result.stderr.strip() == (
        "error: HUB_TRUSTED_PROXIES: 'proxy.local' is not an IP address or network"
    )
