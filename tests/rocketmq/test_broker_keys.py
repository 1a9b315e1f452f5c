"""Broker key schema, validators, whole-file checks, and the key list from `mqbroker -p`.

tests/data/broker_p_5.5.0.txt is the stdout of the real 5.5.0 broker's `mqbroker -p` (captured
once, with a 256m heap, under the JVM lock).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rocketui.backends.base import Command, CommandResult
from rocketui.rocketmq import broker_keys as bk
from rocketui.services import broker_key_list

FIXTURE = (Path(__file__).parent.parent / "data" / "broker_p_5.5.0.txt").read_text()


# ----------------------------------------------------------------------------- mqbroker -p
def test_parse_print_config_of_the_real_broker() -> None:
    printed = bk.parse_print_config(FIXTURE)
    assert len(printed) == 299
    assert printed["listenPort"] == "10911"  # BrokerConfig says 6888 first; NettyServerConfig's comes last
    assert printed["namesrvAddr"] == "" and printed["autoCreateTopicEnable"] == "true"
    assert printed["rocketmqHome"] == "/root/.local/share/rocketui/rocketmq-5.5.0"
    assert printed["statefulAuthorizationCacheExpiredSecond"] == "60"  # the last line
    assert not any(" " in k or k.startswith("|") for k in printed)  # logback status lines skipped


def test_print_config_misses_store_and_identity_keys() -> None:
    """Why the key list is bundled: 5.5.0's -p prints neither MessageStoreConfig nor BrokerIdentity."""
    printed = bk.parse_print_config(FIXTURE)
    for key in (
        "brokerRole",
        "flushDiskType",
        "storePathRootDir",
        "deleteWhen",
        "brokerName",
        "brokerId",
        "brokerClusterName",
        "maxMessageSize",
    ):
        assert key not in printed
    bundled = bk.bundled_keys()
    # everything -p prints is in the bundled list, except a field whose setter is named differently
    assert set(printed) - set(bundled.types) == {"isScanAvailableNameSrv"}


def test_parse_print_config_bare_lines_and_noise() -> None:
    text = (
        "12:00:00,1 |-INFO in ch.qos.logback - x=y\n"
        "OpenJDK 64-Bit Server VM warning: Option UseBiasedLocking was deprecated\n"
        "2024-01-02 03:04:05 INFO main - a=1\r\n"
        "b=two=2\n"
        "not a key line\n"
    )
    assert bk.parse_print_config(text) == {"a": "1", "b": "two=2"}


def test_known_keys_from_print_config() -> None:
    known = bk.known_keys_from_print_config(
        {"brandNewKey": "true", "bigOne": "99999999999", "s": "x", "listenPort": "10911"}
    )
    assert known.type_of("brandNewKey") == "boolean" and known.type_of("bigOne") == "long"
    assert known.type_of("s") == "string" and known.type_of("brokerRole") == "enum"
    assert "storePathRootDir" in known and known.defaults["listenPort"] == "10911"


class PrintingBackend:
    """Just enough of a Backend for load_known_keys: `run` answers with canned output."""

    name = "fake"

    def __init__(self, stdout: str, status: int = 0, stderr: str = "") -> None:
        self.result = (stdout, status, stderr)
        self.commands: list[Command] = []

    async def run(self, command: Command, *, timeout: float = 30.0, input: bytes | None = None) -> CommandResult:
        self.commands.append(command)
        stdout, status, stderr = self.result
        return CommandResult(command, status, stdout, stderr)


async def test_load_known_keys_runs_mqbroker_p() -> None:
    backend = PrintingBackend(FIXTURE)
    known = await broker_key_list.load_known_keys(backend, "/opt/rmq", java_home="/opt/jdk")  # type: ignore[arg-type]
    assert "clusterTopicEnable" in known and "brokerRole" in known
    (command,) = backend.commands
    assert command.argv == ("sh", "/opt/rmq/bin/mqbroker", "-p")
    env = dict(command.env)
    assert env["ROCKETMQ_HOME"] == "/opt/rmq" and env["JAVA_HOME"] == "/opt/jdk"
    assert "-Xmx64m" in env["JAVA_OPT_EXT"] and "-XX:-AlwaysPreTouch" in env["JAVA_OPT_EXT"]


async def test_load_known_keys_failure_says_why() -> None:
    backend = PrintingBackend("", 1, "ERROR: Please set the JAVA_HOME variable in your environment !!")
    with pytest.raises(
        broker_key_list.KeyListError,
        match=r"fake: 'mqbroker -p' in /opt/rmq exited 1 without a key list: "
        r"ERROR: Please set the JAVA_HOME",
    ):
        await broker_key_list.load_known_keys(backend, "/opt/rmq")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- single values
@pytest.mark.parametrize(
    "key,value",
    [
        ("brokerClusterName", "DefaultCluster"),
        ("brokerName", "broker-a_1"),
        ("brokerId", "0"),
        ("brokerId", "3"),
        ("brokerRole", "SYNC_MASTER"),
        ("flushDiskType", "SYNC_FLUSH"),
        ("namesrvAddr", "127.0.0.1:9876"),
        ("namesrvAddr", "10.0.0.1:9876;ns2.example.com:9876"),
        ("listenPort", "10911"),
        ("brokerIP1", "192.168.1.5"),
        ("brokerIP2", "broker-a.internal"),
        ("brokerIP1", "::1"),
        ("storePathRootDir", "/data/store"),
        ("storePathCommitLog", "/data/store/commitlog"),
        ("deleteWhen", "04"),
        ("deleteWhen", "4"),
        ("deleteWhen", "01;04;23"),
        ("fileReservedTime", "48"),
        ("autoCreateTopicEnable", "false"),
        ("autoCreateSubscriptionGroup", "TRUE"),
        ("maxMessageSize", "4194304"),
        ("diskMaxUsedSpaceRatio", "10"),
        ("diskMaxUsedSpaceRatio", "95"),
        ("brokerPermission", "4"),
        ("sendMessageThreadPoolNums", "16"),
    ],
)
def test_valid_values(key: str, value: str) -> None:
    assert bk.validate_value(key, value) is None


@pytest.mark.parametrize(
    "key,value,message",
    [
        ("namesrvAddr", "10.0.0.1:9876,10.0.0.2:9876", "separate name servers with ';', not ','"),
        ("namesrvAddr", "", "The Name Server Address[] illegal"),
        ("namesrvAddr", "10.0.0.1", "'10.0.0.1' is not host:port"),
        ("namesrvAddr", "10.0.0.1:99999", "is not host:port"),
        ("brokerRole", "MASTER", "expected one of ASYNC_MASTER, SYNC_MASTER, SLAVE"),
        ("brokerRole", "slave", "expected one of ASYNC_MASTER, SYNC_MASTER, SLAVE"),
        ("flushDiskType", "SYNC", "expected one of ASYNC_FLUSH, SYNC_FLUSH"),
        ("brokerId", "one", "expected a whole number (long)"),
        ("brokerId", "-2", "expected -1 to"),
        ("listenPort", "10911 ", "leading/trailing whitespace: RocketMQ silently ignores"),
        ("listenPort", "65535", "expected 3 to 65534 (the broker also uses listenPort-2 and listenPort+1)"),
        ("listenPort", "99999999999", "expected a whole number (int)"),
        ("brokerIP1", "10.0.0.1:10911", "expected an address without a port"),
        ("brokerIP1", "bad host!", "expected an IP address or host name"),
        ("storePathRootDir", "~/store", "Java does not expand '~'"),
        ("storePathRootDir", "store", "expected an absolute path"),
        ("deleteWhen", "24", 'expected hours 0-23 separated by ";"'),
        ("deleteWhen", "01,04", 'expected hours 0-23 separated by ";"'),
        ("deleteWhen", "", "expected hours 0-23"),
        ("fileReservedTime", "0", "expected a number above 0"),
        ("diskMaxUsedSpaceRatio", "96", "expected 10 to 95% (RocketMQ silently clamps"),
        ("diskMaxUsedSpaceRatio", "5", "expected 10 to 95%"),
        ("autoCreateTopicEnable", "yes", "expected true or false; RocketMQ reads anything else as false"),
        ("maxMessageSize", "2147483648", "expected a whole number (int)"),
        ("brokerClusterName", "my.cluster", "letters, digits, '-' or '_'"),
        ("brokerName", "", "letters, digits"),
        ("brokerPermission", "7", "expected 6 (read+write), 4 (read) or 2 (write)"),
        ("transientStorePoolEnable", "1", "expected true or false"),
        ("flushIntervalCommitLog", "500ms", "expected a whole number (int)"),  # a key outside the schema: by type
        ("accessMessageInMemoryMaxRatio", "x", "expected a whole number (int)"),
    ],
)
def test_invalid_values(key: str, value: str, message: str) -> None:
    problem = bk.validate_value(key, value)
    assert problem is not None and problem.startswith(f"{key}={value!r}: ") and message in problem


def test_schema_entries_are_well_formed() -> None:
    known = bk.bundled_keys()
    for key in bk.SCHEMA.values():
        assert key.name in known and key.description
        if key.default is not None:
            assert key.validate(key.default) is None, key.name
    assert not bk.SCHEMA["brokerRole"].hot and bk.SCHEMA["deleteWhen"].hot


@given(st.sampled_from(sorted(bk.SCHEMA)), st.text(max_size=40))
def test_validators_never_crash(key: str, value: str) -> None:
    result = bk.validate_value(key, value)
    assert result is None or result.startswith(f"{key}=")


# ----------------------------------------------------------------------------- whole file
def problems(lines: list[tuple[str, str]]) -> list[str]:
    return [str(p) for p in bk.check_config((k, v, i) for i, (k, v) in enumerate(lines, 1))]


def test_role_and_id_must_agree() -> None:
    assert problems([("brokerRole", "SLAVE"), ("brokerId", "0")]) == [
        "error: line 2: brokerRole=SLAVE needs brokerId 1 or more (it is 0); the broker would exit with "
        '"Slave\'s brokerId must be > 0"'
    ]
    assert problems([("brokerRole", "SLAVE")]) != []  # brokerId defaults to 0
    assert problems([("brokerRole", "SYNC_MASTER"), ("brokerId", "1")]) == [
        "error: line 2: brokerRole=SYNC_MASTER is a master, which needs brokerId=0 (it is 1); RocketMQ would "
        "silently run it as 0. For a slave set brokerRole=SLAVE"
    ]
    assert problems([("brokerId", "2")]) != []  # role defaults to ASYNC_MASTER
    assert problems([("brokerRole", "SLAVE"), ("brokerId", "2")]) == []
    assert problems([("brokerRole", "ASYNC_MASTER"), ("brokerId", "0")]) == []
    # controller mode picks roles itself (brokerId -1 in its samples)
    assert problems([("brokerRole", "SLAVE"), ("brokerId", "-1"), ("enableControllerMode", "true")]) == []


def test_unknown_keys_get_a_suggestion() -> None:
    found = problems([("brokerNmae", "a"), ("brokername", "b"), ("listenport", "1"), ("zzzz", "1")])
    assert found == [
        "error: line 1: unknown key 'brokerNmae': RocketMQ silently ignores it; did you mean 'brokerName'? "
        "(checked against the bundled key list of RocketMQ 5.5.0)",
        "error: line 2: unknown key 'brokername': RocketMQ silently ignores it; did you mean 'brokerName'? "
        "(checked against the bundled key list of RocketMQ 5.5.0)",
        "error: line 3: unknown key 'listenport': RocketMQ silently ignores it; did you mean 'listenPort'? "
        "(checked against the bundled key list of RocketMQ 5.5.0)",
        "error: line 4: unknown key 'zzzz': RocketMQ silently ignores it (checked against the bundled key list "
        "of RocketMQ 5.5.0)",
    ]
    assert bk.bundled_keys().suggest("storePathRootdir") == "storePathRootDir"
    assert bk.bundled_keys().suggest("flushDiskTyp") == "flushDiskType"


def test_whitespace_and_duplicates() -> None:
    assert problems([("brokerName", "broker-a "), ("fileReservedTime", "48"), ("fileReservedTime", "72")]) == [
        "error: line 1: brokerName='broker-a ': remove the leading/trailing whitespace (RocketMQ trims strings, "
        "but it hides mistakes)",
        "warning: line 3: fileReservedTime is set 2 times (lines 2, 3); the last one wins",
    ]


def test_shipped_samples_are_clean() -> None:
    assert (
        problems(
            [
                ("brokerClusterName", "DefaultCluster"),
                ("brokerName", "broker-a"),
                ("brokerId", "0"),
                ("deleteWhen", "04"),
                ("fileReservedTime", "48"),
                ("brokerRole", "ASYNC_MASTER"),
                ("flushDiskType", "ASYNC_FLUSH"),
            ]
        )
        == []
    )
