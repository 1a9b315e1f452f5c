"""Release-line knowledge (pure): version parsing, remoting ordinals, what differs per line."""

from __future__ import annotations

import pytest

from rocketui.model.cluster import NodeKind
from rocketui.rocketmq.versions import (
    MODULE_OPTIONS_4X,
    MODULE_OPTIONS_5_0,
    Version,
    ordinal_name,
    parse_version,
    remoting_ordinal,
    traits,
    version_of_ordinal,
)


def test_parse_and_order() -> None:
    assert Version.parse("4.9.7") < Version.parse("5.1.4") < Version.parse("5.10.0")
    assert str(Version.parse(" 5.3.4-SNAPSHOT ")) == "5.3.4-SNAPSHOT"
    assert parse_version("latest") is None and parse_version(None) is None
    with pytest.raises(ValueError, match="not a RocketMQ version"):
        Version.parse("5.5")


# MQVersion.CURRENT_VERSION of each jar (read from MQVersion.class), and what the real 4.9.7 /
# 5.5.0 brokers answered in brokerVersion / brokerVersionDesc here.
@pytest.mark.parametrize(
    ("version", "ordinal"),
    [("4.9.4", 401), ("4.9.7", 407), ("5.0.0", 413), ("5.1.4", 441), ("5.3.3", 479), ("5.5.0", 513)],
)
def test_remoting_ordinals(version: str, ordinal: int) -> None:
    assert remoting_ordinal(Version.parse(version)) == ordinal
    assert version_of_ordinal(ordinal) == version
    assert ordinal_name(ordinal) == "V" + version.replace(".", "_")


def test_ordinals_outside_the_numbered_range() -> None:
    assert version_of_ordinal(408) is None  # V4_9_8_SNAPSHOT
    assert version_of_ordinal(612) is None and ordinal_name(612) == "version 612"  # HIGHER_VERSION
    assert version_of_ordinal(137) is None  # V3_5_8: before the regular 4.x numbering
    assert remoting_ordinal(Version.parse("3.5.8")) is None


def test_line_traits() -> None:
    old, mid, new = traits("4.9.7"), traits("5.1.4"), traits("5.5.0")
    assert (old.line, new.line) == ("4.x", "5.x")
    assert old.logback_file(NodeKind.BROKER) == "logback_broker.xml" and old.logback_property is None
    assert new.logback_file("tools") == "rmq.tools.logback.xml"
    assert new.logback_property == "rmq.logback.configurationFile"
    assert old.module_options(NodeKind.BROKER) == MODULE_OPTIONS_4X
    assert mid.module_options(NodeKind.BROKER) == MODULE_OPTIONS_5_0
    assert new.module_options(NodeKind.BROKER) == () and old.module_options(NodeKind.NAMESRV) == ()
    assert not old.trims_string_values and not mid.trims_string_values and traits("5.3.3").trims_string_values
    assert not mid.has_config_blacklist and new.has_config_blacklist
    assert not old.honours_ha_listen_port and mid.honours_ha_listen_port
    assert old.shutdown_targets == ("broker", "namesrv")
