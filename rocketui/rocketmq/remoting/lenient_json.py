"""Tolerant JSON reader for RocketMQ remoting bodies.

Why the stdlib `json` alone is not enough: RocketMQ serialises bodies with fastjson (fastjson2
since 5.4.0) using its default features, which are not standard JSON:

* maps with non-string keys are written with *unquoted* keys, e.g. the cluster info body
  ``{"brokerAddrs":{0:"127.0.0.1:10911"}}`` (`Map<Long, String>`); newer fastjson2 builds may
  quote them (``{"0":...}``) — both must give the same result;
* maps keyed by objects are written with the object itself as the key, e.g. stats bodies
  ``{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"t"}:{...}}}`` (`MessageQueue` keys).

`json.loads` rejects both. `loads` first tries the fast stdlib parser and falls back to a small
recursive-descent parser that accepts those forms. Unquoted keys always come back as `str`
(so ``{0:..}`` and ``{"0":..}`` are identical); object keys come back as hashable `ObjectKey`s.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from json import decoder as _json_decoder
from typing import Any

# The stdlib's (C-accelerated) string scanner: same escapes and errors as json.loads.
_scanstring: Callable[[str, int, bool], tuple[str, int]] = _json_decoder.scanstring  # type: ignore[attr-defined]

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_BARE_KEY = re.compile(r"[A-Za-z0-9_$.+-]+")
_LITERALS = {"true": True, "false": False, "null": None}


class JSONParseError(ValueError):
    """Text that is not JSON even by fastjson's relaxed rules; says where and shows the context."""

    def __init__(self, message: str, text: str, pos: int) -> None:
        snippet = text[max(0, pos - 20) : pos + 20].replace("\n", " ")
        super().__init__(f"{message} at offset {pos} (near {snippet!r})")
        self.pos = pos


class ObjectKey(Mapping[str, Any]):
    """A JSON object used as a map key (fastjson's `MessageQueue` keys); hashable, read-only."""

    __slots__ = ("_data", "_hash")

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data
        self._hash = hash(json.dumps(data, sort_keys=True, default=repr))

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ObjectKey):
            return self._data == other._data
        return isinstance(other, Mapping) and self._data == dict(other)

    def __repr__(self) -> str:
        return f"ObjectKey({self._data!r})"


def loads(data: str | bytes | bytearray) -> Any:
    """Parse standard JSON or fastjson's relaxed output; raises JSONParseError on bad input."""
    if isinstance(data, (bytes, bytearray)):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JSONParseError(f"not UTF-8 ({exc.reason})", "", exc.start) from None
    else:
        text = data
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    fast = _queue_keys_fast(text)
    if fast is not _FAILED:
        return fast
    try:
        value, end = _Parser(text).value(_skip(text, 0))
    except RecursionError:
        raise JSONParseError("nesting too deep", text, 0) from None
    end = _skip(text, end)
    if end != len(text):
        raise JSONParseError("extra data after the JSON value", text, end)
    return value


# fastjson writes Map<MessageQueue, …> with the queue object as key, fields sorted: the admin bodies
# with one entry per queue (topic stats, consume stats, resets).  Rewritten into string keys they
# parse with the C json module (thousands per refresh), then turn back into ObjectKeys.
_MQ_KEY = re.compile(r'\{"brokerName":"((?:[^"\\]|\\.)*)","queueId":(-?\d+),"topic":"((?:[^"\\]|\\.)*)"\}:')
_MQ_MARK = "\x01mq\x01"
_FAILED = object()


def _queue_keys_fast(text: str) -> Any:
    if '{"brokerName":' not in text:
        return _FAILED
    rewritten = _MQ_KEY.sub(lambda m: f'"\\u0001mq\\u0001{m[1]}\\u0001{m[2]}\\u0001{m[3]}":', text)
    try:
        return _restore_queue_keys(json.loads(rewritten))
    except (json.JSONDecodeError, ValueError):
        return _FAILED


def _restore_queue_keys(value: Any) -> Any:
    if isinstance(value, list):
        return [_restore_queue_keys(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[Any, Any] = {}
    for key, item in value.items():
        if key.startswith(_MQ_MARK):
            broker, queue_id, topic = key[len(_MQ_MARK) :].split("\x01")
            key = ObjectKey({"brokerName": broker, "queueId": int(queue_id), "topic": topic})
        out[key] = _restore_queue_keys(item)
    return out


def _skip(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()  # type: ignore[union-attr]  # always matches


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text

    def fail(self, message: str, pos: int) -> JSONParseError:
        return JSONParseError(message, self.text, pos)

    def value(self, pos: int) -> tuple[Any, int]:
        text = self.text
        if pos >= len(text):
            raise self.fail("unexpected end of JSON", pos)
        ch = text[pos]
        if ch == "{":
            return self.object(pos + 1)
        if ch == "[":
            return self.array(pos + 1)
        if ch == '"':
            return self.string(pos + 1)
        number = _NUMBER.match(text, pos)
        if number:
            literal = number.group()
            is_float = any(c in literal for c in ".eE")
            return (float(literal) if is_float else int(literal)), number.end()
        for word, result in _LITERALS.items():
            if text.startswith(word, pos):
                return result, pos + len(word)
        raise self.fail(f"unexpected character {ch!r}", pos)

    def string(self, pos: int) -> tuple[str, int]:
        try:
            return _scanstring(self.text, pos, True)
        except json.JSONDecodeError as exc:
            raise self.fail(exc.msg, exc.pos) from None

    def key(self, pos: int) -> tuple[Any, int]:
        text = self.text
        ch = text[pos] if pos < len(text) else ""
        if ch == '"':
            return self.string(pos + 1)
        if ch == "{":
            obj, end = self.object(pos + 1)
            return ObjectKey(obj), end
        if ch == "[":
            items, end = self.array(pos + 1)
            return tuple(items), end
        bare = _BARE_KEY.match(text, pos)
        if bare:
            return bare.group(), bare.end()
        raise self.fail("expected an object key", pos)

    def object(self, pos: int) -> tuple[dict[Any, Any], int]:
        text = self.text
        result: dict[Any, Any] = {}
        pos = _skip(text, pos)
        if text.startswith("}", pos):
            return result, pos + 1
        while True:
            key, pos = self.key(pos)
            pos = _skip(text, pos)
            if not text.startswith(":", pos):
                raise self.fail("expected ':' after an object key", pos)
            value, pos = self.value(_skip(text, pos + 1))
            result[key] = value
            pos = _skip(text, pos)
            if text.startswith(",", pos):
                pos = _skip(text, pos + 1)
                continue
            if text.startswith("}", pos):
                return result, pos + 1
            raise self.fail("expected ',' or '}' in an object", pos)

    def array(self, pos: int) -> tuple[list[Any], int]:
        text = self.text
        result: list[Any] = []
        pos = _skip(text, pos)
        if text.startswith("]", pos):
            return result, pos + 1
        while True:
            value, pos = self.value(pos)
            result.append(value)
            pos = _skip(text, pos)
            if text.startswith(",", pos):
                pos = _skip(text, pos + 1)
                continue
            if text.startswith("]", pos):
                return result, pos + 1
            raise self.fail("expected ',' or ']' in an array", pos)
