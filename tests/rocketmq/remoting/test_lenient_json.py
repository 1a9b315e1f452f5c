from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rocketui.rocketmq.remoting.lenient_json import JSONParseError, ObjectKey, loads

# Captured from the 5.5.0 namesrv (GET_BROKER_CLUSTER_INFO): numeric map keys are unquoted.
CLUSTER_BODY = (
    b'{"brokerAddrTable":{"broker-x":{"brokerAddrs":{0:"127.0.0.1:30911"},'
    b'"brokerName":"broker-x","cluster":"DevCluster","enableActingMaster":false}},'
    b'"clusterAddrTable":{"DevCluster":["broker-x"]}}'
)


def test_unquoted_numeric_keys_equal_quoted_ones() -> None:
    unquoted = loads(CLUSTER_BODY)
    quoted = loads(CLUSTER_BODY.replace(b"{0:", b'{"0":'))
    assert unquoted == quoted
    assert unquoted["brokerAddrTable"]["broker-x"]["brokerAddrs"] == {"0": "127.0.0.1:30911"}


def test_object_keys_become_hashable_object_keys() -> None:
    text = (
        '{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"t"}:{"brokerOffset":5},'
        ' {"brokerName":"b","queueId":1,"topic":"t"} : {"brokerOffset":7}}}'
    )
    table = loads(text)["offsetTable"]
    keys = sorted(table, key=lambda k: k["queueId"])
    assert [k["queueId"] for k in keys] == [0, 1]
    assert table[ObjectKey({"brokerName": "b", "queueId": 1, "topic": "t"})] == {"brokerOffset": 7}
    assert keys[0] == {"brokerName": "b", "queueId": 0, "topic": "t"}


def test_bare_identifier_and_negative_keys_and_values() -> None:
    assert loads('{-1:[1,2.5,-3e2,true,null,"\\u00e9"], id : {}}') == {
        "-1": [1, 2.5, -300.0, True, None, "é"],
        "id": {},
    }


@pytest.mark.parametrize(
    "text, message",
    [
        ("{0:}", "unexpected character '}'"),
        ('{0:"a" 1:"b"}', "expected ',' or '}'"),
        ('{0 "a"}', "expected ':'"),
        ('{0:"abc', "Unterminated string"),
        ("{0:1} x", "extra data"),
        ("{:1}", "expected an object key"),
        ("[1 2]", "expected ',' or ']'"),
        ("{0:", "unexpected end"),
    ],
)
def test_errors_say_where(text: str, message: str) -> None:
    with pytest.raises(JSONParseError, match=message) as info:
        loads(text)
    assert "offset" in str(info.value)


def test_non_utf8_bytes() -> None:
    with pytest.raises(JSONParseError, match="not UTF-8"):
        loads(b'{"a":"\xff"}')


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(JSONParseError, match="nesting too deep"):
        loads("{0:" * 100000)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=20,
)


@given(json_values)
def test_standard_json_matches_stdlib(value: object) -> None:
    assert loads(json.dumps(value)) == json.loads(json.dumps(value))


@given(st.dictionaries(st.integers(-(10**6), 10**6), st.text()))
def test_unquoted_int_keys_property(table: dict[int, str]) -> None:
    # fastjson style: keys bare, values JSON; forces the fallback parser (when non-empty).
    body = "{" + ",".join(f"{k}:{json.dumps(v)}" for k, v in table.items()) + "}"
    assert loads(body) == {str(k): v for k, v in table.items()}


def test_message_queue_keys_fast_path_equals_the_full_parser() -> None:
    """Bodies keyed by MessageQueue objects (real 5.5.0 topic stats, consume stats, reset) parse
    through the C json module after a key rewrite, to the same ObjectKeys the full parser gives."""
    from pathlib import Path

    from rocketui.rocketmq.remoting import lenient_json

    data = Path(__file__).resolve().parents[2] / "data" / "remoting"
    for name in ("topic_stats.json", "consume_stats.json", "reset_offset.json"):
        text = (data / name).read_text()
        fast = lenient_json._queue_keys_fast(text)
        full, _ = lenient_json._Parser(text).value(0)
        assert fast == full == lenient_json.loads(text), name
        assert all(isinstance(k, lenient_json.ObjectKey) for k in fast["offsetTable"])
    odd = '{"offsetTable":{{"brokerName":"b\\\\x","queueId":-1,"topic":"T\\"q"}:{"maxOffset":1}}}'
    assert lenient_json.loads(odd) == lenient_json._Parser(odd).value(0)[0]
