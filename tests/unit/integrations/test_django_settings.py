"""How ``settings.SEATA`` splits into seata_py.init() keywords and the middleware's trust settings, and the
outgoing header helper; none of it needs Django configured."""

from __future__ import annotations

import pytest

from seata_py.exceptions import ConfigError
from seata_py.integrations.django import init_kwargs, middleware_kwargs, outgoing_headers
from seata_py.types.context import bind_xid, reset_xid


def trust_nobody(peer: str | None, headers: object) -> bool:
    return False


SEATA = {
    "application_id": "orders",
    "grouplist": "tc:8091",
    "time_zone": "UTC",
    "trusted_networks": ["10.0.0.0/8"],
    "trust": f"{__name__}.trust_nobody",
    "init": True,
}


def test_init_gets_everything_but_the_middlewares_and_our_own_keys() -> None:
    assert init_kwargs(SEATA) == {"application_id": "orders", "grouplist": "tc:8091", "time_zone": "UTC"}


def test_the_middleware_gets_its_trust_settings_with_a_dotted_trust_imported() -> None:
    assert middleware_kwargs(SEATA) == {"trusted_networks": ["10.0.0.0/8"], "trust": trust_nobody}
    assert middleware_kwargs({"trust_all": True}) == {"trust_all": True}


@pytest.mark.parametrize("path", ["nowhere.at_all", f"{__name__}.SEATA", "no_dots"])
def test_a_trust_path_that_names_no_callable_is_refused(path: str) -> None:
    with pytest.raises(ConfigError, match="SEATA\\['trust'\\]"):
        middleware_kwargs({"trust": path})


def test_seata_must_be_a_dict() -> None:
    with pytest.raises(ConfigError, match="must be a dict"):
        init_kwargs(["application_id"])  # type: ignore[arg-type]


def test_outgoing_headers_carry_the_bound_xid_only() -> None:
    assert outgoing_headers() == {}
    token = bind_xid("10.0.0.1:8091:42")
    try:
        assert outgoing_headers() == {"TX_XID": "10.0.0.1:8091:42"}
    finally:
        reset_xid(token)
