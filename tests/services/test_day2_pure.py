"""Pure parts of the day-2 services: telling offset ids from unique ids, what a slave lacks."""

from __future__ import annotations

import pytest

from rocketui.rocketmq.remoting.message import build_offset_msg_id, new_unique_msg_id
from rocketui.services.admin_clients import AdminError
from rocketui.services.msg_lookup import looks_unique
from rocketui.services.replica_drift import drift


def test_offset_ids_and_unique_ids_are_told_apart() -> None:
    assert not looks_unique(build_offset_msg_id("127.0.0.1", 10911, 123456))
    assert looks_unique(new_unique_msg_id())
    with pytest.raises(AdminError, match="not hexadecimal"):
        looks_unique("zz")
    with pytest.raises(AdminError, match="expected 32"):
        looks_unique("00" * 10)


def test_drift_lists_what_the_slave_lacks() -> None:
    found = drift(({"T1", "T2", "T3", "T4"}, {"G1"}), ({"T1"}, set()))
    assert found.topics == ("T2", "T3", "T4") and found.groups == ("G1",)
    assert found.text() == (
        "lacks 3 topic(s) of its master (T2, T3, T4) and 1 subscription group(s) of its master (G1); "
        "a slave copies them about once a minute"
    )
    assert not drift(({"T"}, {"G"}), ({"T", "X"}, {"G"}))
