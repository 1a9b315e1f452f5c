"""Broker keys per release: the lists generated from each release's own jars
(scripts/gen_broker_keys.py), checked against what the real brokers print with `mqbroker -p`
(tests/data/broker_p_4.9.7.txt and broker_p_5.1.4.txt: stdout of `sh bin/mqbroker -p` of the
4.9.7 and 5.1.4 distributions assembled by `rocketui install`, 64m heap, captured 2026-11-30)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rocketui.rocketmq import broker_keys as bk
from rocketui.rocketmq.broker_keys_data import KEYS

DATA = Path(__file__).parent.parent / "data"


def printed(version: str) -> dict[str, str]:
    return bk.parse_print_config((DATA / f"broker_p_{version}.txt").read_text())


def test_bundled_releases_and_their_sizes() -> None:
    sizes = {v: len(bk.bundled_keys(v).types) for v in KEYS}
    assert sizes == {"4.9.7": 184, "5.1.4": 363, "5.3.3": 442, "5.5.0": 518}


def test_4x_print_config_is_the_whole_generated_list() -> None:
    """4.9.7's -p prints all four config classes; every printed key is a settable key, except
    the one field whose setter is named differently (isEnableBatchPush / setEnableBatchPush)."""
    keys = printed("4.9.7")
    assert keys["brokerIP1"] and keys["listenPort"] == "10911"  # read through the `13\\:44\\:15` time
    known = bk.bundled_keys("4.9.7")
    assert set(keys) - set(known.types) == {"isEnableBatchPush"}
    assert set(known.types) - set(keys) == {"enableBatchPush"}


def test_5_1_print_config_shows_fields_the_file_cannot_set() -> None:
    """Why the lists come from setters: 5.1.4 prints five timer fields that have no setter."""
    keys = printed("5.1.4")
    extra = set(keys) - set(bk.bundled_keys("5.1.4").types)
    assert extra == {
        "timerWarmEnable",
        "timerStopDequeue",
        "timerSkipUnknownError",
        "timerEnableDisruptor",
        "timerCheckMetricsWhen",
    }


def test_4x_has_keys_5x_dropped_and_lacks_5x_keys() -> None:
    old, new = bk.bundled_keys("4.9.7"), bk.bundled_keys("5.5.0")
    for key in ("maxDelayTime", "filterServerNums", "commercialEnable", "haSlaveFallbehindMax"):
        assert key in old and key not in new
    for key in ("bindAddress", "enableControllerMode", "configBlackList", "timerWheelEnable", "brokerConfigPath"):
        assert key in new and key not in old
    assert old.type_of("brokerRole") == "enum" and old.type_of("bindAddress") is None


@pytest.mark.parametrize(
    ("version", "typo", "suggestion"),
    [
        ("4.9.7", "bindAdress", None),  # 5.x only: never proposed on 4.9.7
        ("4.9.7", "enableControllerMod", None),
        ("5.5.0", "bindAdress", "bindAddress"),
        ("4.9.7", "maxDelayTim", "maxDelayTime"),
        ("5.5.0", "maxDelayTim", None),  # 4.x only
        ("4.9.7", "storepathrootdir", "storePathRootDir"),
    ],
)
def test_suggestions_stay_within_the_release(version: str, typo: str, suggestion: str | None) -> None:
    assert bk.bundled_keys(version).suggest(typo) == suggestion


def test_unknown_key_says_which_release() -> None:
    message = bk.unknown_key_message("bindAddress", bk.bundled_keys("4.9.7"))
    assert "unknown key 'bindAddress'" in message and "RocketMQ 4.9.7" in message and "did you mean" not in message


def test_nearest_bundled_list_for_other_releases() -> None:
    assert bk.bundled_keys("4.9.4").source == "bundled key list of RocketMQ 4.9.7 (nearest to 4.9.4)"
    assert bk.bundled_keys("5.3.4").source.startswith("bundled key list of RocketMQ 5.3.3")
    assert bk.bundled_keys(None).version == "5.5.0" and bk.bundled_keys("nonsense").version == "5.5.0"
    # how values are read follows the broker's own release, not the list's
    assert not bk.bundled_keys("5.1.0").trims_strings and bk.bundled_keys("5.2.0").trims_strings


def test_untrimmed_strings_and_ha_port_on_4x() -> None:
    entries = [("brokerName", "broker-a ", 1), ("haListenPort", "10912", 2)]
    old = bk.check_config(entries, bk.bundled_keys("4.9.7"))
    assert any(p.is_error and "does not trim strings" in p.message for p in old)
    assert any(not p.is_error and "haListenPort is ignored by RocketMQ 4.9.7" in p.message for p in old)
    new = bk.check_config(entries, bk.bundled_keys("5.5.0"))
    assert any(p.is_error and "RocketMQ trims strings" in p.message for p in new)
    assert not any("haListenPort" in p.message for p in new)
