"""XID validation, the inbound trust policy, and binding around a request."""

from __future__ import annotations

import ipaddress
import logging
import threading
from collections.abc import Mapping

import pytest

from seata_py.exceptions import ConfigError, InvalidXidError, SeataError
from seata_py.integrations.xid import (
    ENV_TRUSTED_NETWORKS,
    XID_HEADER,
    XidTrust,
    bound_iteration,
    grpc_peer_host,
    inject_xid,
    parse_xid,
    peer_ip,
    propagated_xid,
    resolve_inbound,
    split_values,
)
from seata_py.types.context import bind_xid, current_xid, reset_xid

VALID = [
    "192.168.1.20:8091:2612345678901234567",
    "10.0.0.5:8091:0",
    "10.0.0.5:1:9223372036854775807",
    "10.0.0.5:65535:42",
    "2001:db8:0:0:0:0:0:5:8091:42",  # Java's Inet6Address.getHostAddress(), bare
    "2001:db8::5:8091:42",
    "[2001:db8::5]:8091:42",
    "fe80::1%eth0:8091:42",
    "seata-server:8091:42",
    "seata_server.prod.example.com:8091:42",
    "tc.example.com.:8091:42",
    "localhost:8091:1",
]

INVALID = [
    ("", "empty"),
    ("10.0.0.5:8091", "expected <ip-or-host>:<port>:<transaction id>"),
    ("8091:42", "expected"),
    ("10.0.0.5:8091:", "transaction id after the last ':' is missing"),
    ("10.0.0.5:8091:-1", "not a non-negative decimal integer"),
    ("10.0.0.5:8091:+1", "not a non-negative decimal integer"),
    ("10.0.0.5:8091:12ab", "not a non-negative decimal integer"),
    ("10.0.0.5:8091:007", "leading zeros"),
    ("10.0.0.5:8091:9223372036854775808", "64-bit"),
    ("10.0.0.5:0:42", "not in 1-65535"),
    ("10.0.0.5:65536:42", "not in 1-65535"),
    ("10.0.0.5:08091:42", "not in 1-65535"),
    ("10.0.0.5:port:42", "not a decimal number"),
    (":8091:42", "host before the port is missing"),
    ("300.1.1.1:8091:42", "not a valid IPv4 address"),
    ("10.0.0:8091:42", "not a valid IPv4 address"),
    ("010.0.0.5:8091:42", "not a valid IPv4 address"),
    ("2001:db8::zz:8091:42", "not an IPv6 address"),
    ("[2001:db8::5:8091:42", "not a bracketed IPv6 address"),
    ("[10.0.0.5]:8091:42", "not a bracketed IPv6 address"),
    ("fe80::1%<x>:8091:42", "not an IPv6 address"),
    ("-bad-.example:8091:42", "not an IP address or a valid host name"),
    ("a..b:8091:42", "not an IP address or a valid host name"),
    ("host/x:8091:42", "not an IP address or a valid host name"),
    ("10.0.0.5:8091:42 ", "whitespace or control character ' ' at position 16"),
    ("10.0.0.5:8091:4\n2", "whitespace or control character '\\n' at position 15"),
    ("10.0.0.5\t:8091:42", "whitespace"),
    ("10.0.0.5:8091:\x0042", "control character"),
    ("hôst:8091:42", "non-ASCII character 'ô' at position 1"),
    ("10.0.0.5:8091:42:", "transaction id after the last ':' is missing"),
    ("a" * 120 + ".b:8091:42", "more than the 128"),
]


@pytest.mark.parametrize("xid", VALID)
def test_valid_xids_pass_through_unchanged(xid: str) -> None:
    assert parse_xid(xid) is xid


@pytest.mark.parametrize(("value", "reason"), INVALID)
def test_invalid_xids_name_the_problem(value: str, reason: str) -> None:
    with pytest.raises(InvalidXidError) as caught:
        parse_xid(value)
    assert reason in caught.value.reason
    assert caught.value.value == value
    assert isinstance(caught.value, SeataError) and isinstance(caught.value, ValueError)


def test_non_string_is_rejected() -> None:
    with pytest.raises(InvalidXidError, match="expected a string, got bytes"):
        parse_xid(b"10.0.0.5:8091:42")


def test_length_limit_is_128() -> None:
    host = "a" * 59 + "." + "b" * 60  # host-name labels have at most 63 characters
    assert len(f"{host}:8091:42") == 128
    assert parse_xid(f"{host}:8091:42")
    with pytest.raises(InvalidXidError, match="129 characters"):
        parse_xid(f"{host}x:8091:42")


# -- trust -----------------------------------------------------------------------------------------------


def test_default_trusts_loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_TRUSTED_NETWORKS, raising=False)
    policy = XidTrust()
    assert policy.check("127.0.0.1", {}).trusted
    assert policy.check("127.8.9.10", {}).trusted
    assert policy.check("::1", {}).trusted
    refused = policy.check("10.0.0.7", {})
    assert not refused.trusted
    assert "10.0.0.7 is outside the trusted networks (127.0.0.0/8, ::1/128)" in refused.reason


def test_env_networks_are_the_default_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_TRUSTED_NETWORKS, " 10.0.0.0/8, fd00::/8 ,")
    policy = XidTrust()
    assert policy.networks == (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8"))
    assert policy.check("10.1.2.3", {}).trusted
    assert policy.check("fd00::7", {}).trusted
    assert not policy.check("127.0.0.1", {}).trusted


def test_blank_env_means_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_TRUSTED_NETWORKS, "  ")
    assert XidTrust().check("127.0.0.1", {}).trusted


def test_explicit_networks_override_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_TRUSTED_NETWORKS, "10.0.0.0/8")
    policy = XidTrust(trusted_networks="192.168.0.0/16")
    assert policy.check("192.168.3.4", {}).trusted
    assert not policy.check("10.0.0.1", {}).trusted


def test_empty_network_list_trusts_nobody() -> None:
    decision = XidTrust(trusted_networks=[]).check("127.0.0.1", {})
    assert not decision.trusted
    assert "(none)" in decision.reason


def test_network_objects_and_single_addresses() -> None:
    policy = XidTrust(trusted_networks=[ipaddress.ip_network("10.0.0.0/24"), "192.168.1.9"])
    assert policy.check("10.0.0.200", {}).trusted
    assert policy.check("192.168.1.9", {}).trusted
    assert not policy.check("192.168.1.10", {}).trusted


@pytest.mark.parametrize("bad", ["10.0.0.1/8", "not-a-network", "10.0.0.0/33"])
def test_bad_networks_are_config_errors(bad: str) -> None:
    with pytest.raises(ConfigError, match="not a network in CIDR form"):
        XidTrust(trusted_networks=[bad])


def test_bad_env_network_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_TRUSTED_NETWORKS, "10.0.0.0/8,nope")
    with pytest.raises(ConfigError, match=f"{ENV_TRUSTED_NETWORKS}: 'nope'"):
        XidTrust()


def test_ipv4_mapped_peer_matches_ipv4_network() -> None:
    assert XidTrust(trusted_networks="10.0.0.0/8").check("::ffff:10.1.2.3", {}).trusted


def test_peer_without_ip_matches_no_network() -> None:
    policy = XidTrust(trusted_networks="0.0.0.0/0")
    for peer in (None, "unix:/run/app.sock", "testclient"):
        decision = policy.check(peer, {})
        assert not decision.trusted
        assert "matches no trusted network" in decision.reason


def test_trust_all() -> None:
    policy = XidTrust(trust_all=True)
    assert policy.check("203.0.113.9", {}).trusted
    assert policy.check(None, {}).trusted


def test_trust_all_cannot_be_combined() -> None:
    with pytest.raises(ConfigError):
        XidTrust(trusted_networks="10.0.0.0/8", trust_all=True)
    with pytest.raises(ConfigError):
        XidTrust(trust=lambda peer, headers: True, trust_all=True)


def test_trust_callable_alone_decides_and_sees_peer_and_headers() -> None:
    seen: list[tuple[str | None, Mapping[str, str]]] = []

    def trust(peer: str | None, headers: Mapping[str, str]) -> bool:
        seen.append((peer, headers))
        return headers.get("x-client-cert-verified") == "yes"

    policy = XidTrust(trust=trust)
    assert policy.check("203.0.113.9", {"x-client-cert-verified": "yes"}).trusted
    refused = policy.check("127.0.0.1", {})
    assert not refused.trusted and refused.reason == "the trust callable refused it"
    assert seen == [("203.0.113.9", {"x-client-cert-verified": "yes"}), ("127.0.0.1", {})]


def test_trust_callable_and_networks_must_both_agree() -> None:
    policy = XidTrust(trusted_networks="10.0.0.0/8", trust=lambda peer, headers: peer != "10.0.0.66")
    assert policy.check("10.0.0.1", {}).trusted
    assert not policy.check("10.0.0.66", {}).trusted
    assert not policy.check("192.168.0.1", {}).trusted


def test_trust_callable_error_counts_as_no(caplog: pytest.LogCaptureFixture) -> None:
    def broken(peer: str | None, headers: Mapping[str, str]) -> bool:
        raise RuntimeError("boom")

    decision = XidTrust(trust=broken).check("127.0.0.1", {})
    assert not decision.trusted
    assert "raised" in decision.reason
    assert "boom" in caplog.text


def test_trust_must_be_callable() -> None:
    with pytest.raises(ConfigError, match="callable"):
        XidTrust(trust="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("peer", "host"),
    [
        ("ipv4:127.0.0.1:5555", "127.0.0.1"),
        ("ipv6:[::1]:5555", "::1"),
        ("ipv6:%5B::1%5D:5555", "::1"),
        ("ipv6:[fe80::1%25eth0]:5555", "fe80::1%eth0"),
        ("unix:/run/app.sock", "unix:/run/app.sock"),
        ("unix-abstract:name", "unix-abstract:name"),
        (None, None),
    ],
)
def test_grpc_peer_host(peer: str | None, host: str | None) -> None:
    assert grpc_peer_host(peer) == host


def test_peer_ip_forms() -> None:
    assert str(peer_ip("[::1]")) == "::1"
    assert str(peer_ip("fe80::1%eth0")) == "fe80::1"
    assert peer_ip("example.com") is None


# -- inbound decision ------------------------------------------------------------------------------------

LOOPBACK = XidTrust(trusted_networks="127.0.0.0/8")
XID = "10.0.0.5:8091:42"


def _no_headers() -> Mapping[str, str]:
    raise AssertionError("headers are only built for a trust callable")


def test_no_values_nothing_to_do() -> None:
    inbound = resolve_inbound([], "127.0.0.1", _no_headers, LOOPBACK, "header TX_XID")
    assert inbound.xid is None and inbound.rejection is None


def test_trusted_well_formed_is_bound() -> None:
    assert resolve_inbound([XID], "127.0.0.1", _no_headers, LOOPBACK, "header TX_XID").xid == XID


def test_untrusted_is_ignored_with_a_warning_naming_the_peer(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "seata_py.integrations")
    inbound = resolve_inbound(["garbage"], "10.9.9.9", _no_headers, LOOPBACK, "header TX_XID")
    assert inbound.xid is None and inbound.rejection is None  # not even parsed: the caller is not heard
    assert "untrusted peer 10.9.9.9" in caplog.text
    assert "outside the trusted networks" in caplog.text


def test_trusted_malformed_is_rejected() -> None:
    inbound = resolve_inbound(["10.0.0.5:0:42"], "127.0.0.1", _no_headers, LOOPBACK, "header TX_XID")
    assert inbound.xid is None
    assert inbound.rejection is not None and "port 0" in inbound.rejection.reason


def test_repeated_identical_values_are_one_xid_but_different_ones_are_rejected() -> None:
    assert resolve_inbound([XID, XID], "127.0.0.1", _no_headers, LOOPBACK, "h").xid == XID
    inbound = resolve_inbound([XID, "10.0.0.5:8091:43"], "127.0.0.1", _no_headers, LOOPBACK, "header TX_XID")
    assert inbound.rejection is not None and "2 different XIDs" in inbound.rejection.reason


def test_headers_are_built_for_the_trust_callable() -> None:
    policy = XidTrust(trust=lambda peer, headers: headers["x-role"] == "order-svc")
    assert resolve_inbound([XID], None, lambda: {"x-role": "order-svc"}, policy, "h").xid == XID
    assert resolve_inbound([XID], None, lambda: {"x-role": "other"}, policy, "h").xid is None


def test_split_values_handles_joined_and_blank_headers() -> None:
    assert split_values([f"{XID}, {XID}"]) == [XID, XID]
    assert split_values(["", "  "]) == []


# -- binding ---------------------------------------------------------------------------------------------


def test_propagated_xid_binds_and_restores() -> None:
    assert current_xid() is None
    with propagated_xid(XID):
        assert current_xid() == XID
    assert current_xid() is None


def test_propagated_xid_keeps_an_already_bound_xid(caplog: pytest.LogCaptureFixture) -> None:
    token = bind_xid("10.0.0.5:8091:1")
    try:
        with propagated_xid(XID):
            assert current_xid() == "10.0.0.5:8091:1"
        assert current_xid() == "10.0.0.5:8091:1"
    finally:
        reset_xid(token)
    assert "already bound" in caplog.text


def test_propagated_xid_restores_after_the_code_changed_it(caplog: pytest.LogCaptureFixture) -> None:
    with propagated_xid(XID):
        bind_xid("10.0.0.5:8091:99")  # leaked by the handler, never reset
    assert current_xid() is None
    assert "changed during the request from 10.0.0.5:8091:42 to 10.0.0.5:8091:99" in caplog.text


def test_propagated_xid_restores_after_an_exception() -> None:
    with pytest.raises(KeyError), propagated_xid(XID):
        raise KeyError("x")
    assert current_xid() is None


def test_bound_iteration_binds_per_step_only() -> None:
    seen: list[str | None] = []

    def body():  # type: ignore[no-untyped-def]
        for _ in range(3):
            seen.append(current_xid())
            yield b"x"

    for _ in bound_iteration(body(), XID):
        seen.append(current_xid())
    assert seen == [XID, None, XID, None, XID, None]


def test_bindings_do_not_cross_threads() -> None:
    seen: dict[str, str | None] = {}
    inside = threading.Event()
    release = threading.Event()

    def bound() -> None:
        with propagated_xid(XID):
            inside.set()
            release.wait(5)
            seen["bound"] = current_xid()

    def other() -> None:
        inside.wait(5)
        seen["other"] = current_xid()
        release.set()

    threads = [threading.Thread(target=bound), threading.Thread(target=other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert seen == {"bound": XID, "other": None}


# -- outbound --------------------------------------------------------------------------------------------


def test_inject_xid_only_when_bound_and_not_set() -> None:
    headers: dict[str, str] = {}
    assert not inject_xid(headers)
    assert headers == {}
    token = bind_xid(XID)
    try:
        assert inject_xid(headers)
        assert headers == {XID_HEADER: XID}
        explicit = {"tx_xid": "10.0.0.5:8091:7"}
        assert not inject_xid(explicit)
        assert explicit == {"tx_xid": "10.0.0.5:8091:7"}
    finally:
        reset_xid(token)
