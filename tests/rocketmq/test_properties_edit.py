"""Editing .properties files: only the edited lines change, byte for byte; no-op saves are identical.

`javaproperties.loads` stands in for java.util.Properties.load (its documented twin) to check
what a JVM would read back.
"""

from __future__ import annotations

from pathlib import Path

import javaproperties
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rocketui.rocketmq.properties_edit import PropertiesDoc, escape_value, unified_diff
from tests.support.java_properties import JavaProperties, java_properties  # noqa: F401 (fixture)

SAMPLE = (
    b"# broker.conf as shipped, with extras\r\n"
    b"! bang comment\r\n"
    b"\r\n"
    b"brokerClusterName = DefaultCluster\r\n"
    b"brokerName : broker-a\r\n"
    b"namesrvAddr=127.0.0.1\\:9876\r\n"
    b"storePathRootDir=/data/\\\r\n"
    b"    store\r\n"
    b"key\\ with\\ space=\\u00e9 \xe2\x9c\x93\r\n"
    b"dup=1\r\n"
    b"dup=2\r\n"
    b"empty=\r\n"
    b"trailing=x  \r\n"
    b"deleteWhen\t04"
)


def loads(data: bytes) -> dict[str, str]:
    return javaproperties.loads(data.decode("latin-1"))


def test_round_trip_is_byte_identical() -> None:
    doc = PropertiesDoc.parse(SAMPLE)
    assert doc.dumps() == SAMPLE
    assert doc.edited().dumps() == SAMPLE
    assert doc.edited({"brokerName": "broker-a"}).dumps() == SAMPLE  # same value: untouched
    assert doc.as_dict() == loads(SAMPLE)
    assert doc.get("dup") == "2" and doc.get("storePathRootDir") == "/data/store" and doc.get("nope") is None


def test_set_keeps_separator_indent_and_crlf() -> None:
    doc = PropertiesDoc.parse(SAMPLE)
    new = doc.edited({"brokerClusterName": "Prod", "brokerName": "b", "deleteWhen": "01;04"}).dumps()
    assert new == (
        SAMPLE.replace(b"brokerClusterName = DefaultCluster", b"brokerClusterName = Prod")
        .replace(b"brokerName : broker-a", b"brokerName : b")
        .replace(b"deleteWhen\t04", b"deleteWhen\t01;04")
    )


def test_set_a_continued_value_replaces_the_block() -> None:
    new = PropertiesDoc.parse(SAMPLE).edited({"storePathRootDir": "/srv/store"}).dumps()
    assert new == SAMPLE.replace(b"storePathRootDir=/data/\\\r\n    store\r\n", b"storePathRootDir=/srv/store\r\n")


def test_values_are_escaped_for_java_but_stay_readable() -> None:
    doc = PropertiesDoc.parse(b"a=1\n")
    new = doc.edited(
        {
            "namesrvAddr": "10.0.0.1:9876;10.0.0.2:9876",
            "lead": " x",
            "eq": "=x:y",
            "uni": "caf\u00e9 \u2713",
            "hash": "#!x",
            "back": "C:\\dir",
        }
    ).dumps()
    assert new == (
        b"a=1\nnamesrvAddr=10.0.0.1:9876;10.0.0.2:9876\nlead=\\ x\neq=\\=x:y\n"
        b"uni=caf\\u00e9 \\u2713\nhash=#!x\nback=C:\\\\dir\n"
    )
    assert loads(new) == {
        "a": "1",
        "namesrvAddr": "10.0.0.1:9876;10.0.0.2:9876",
        "lead": " x",
        "eq": "=x:y",
        "uni": "caf\u00e9 \u2713",
        "hash": "#!x",
        "back": "C:\\dir",
    }


def test_whitespace_separator_keeps_a_leading_equals_escaped() -> None:
    new = PropertiesDoc.parse(b"k v\n").edited({"k": "=v"}).dumps()
    assert new == b"k \\=v\n" and loads(new) == {"k": "=v"}


def test_key_without_separator_gets_one() -> None:
    new = PropertiesDoc.parse(b"flag\nother=1\n").edited({"flag": "true"}).dumps()
    assert new == b"flag=true\nother=1\n"


def test_duplicates_collapse_into_the_first_line() -> None:
    new = PropertiesDoc.parse(SAMPLE).edited({"dup": "3"}).dumps()
    assert new == SAMPLE.replace(b"dup=1\r\ndup=2\r\n", b"dup=3\r\n")


def test_new_key_is_appended_with_the_files_line_ending() -> None:
    new = PropertiesDoc.parse(SAMPLE).edited({"listenPort": "10921"}).dumps()
    assert new == SAMPLE + b"\r\nlistenPort=10921\r\n"
    assert PropertiesDoc.parse(b"").edited({"a": "b"}).dumps() == b"a=b\n"
    assert PropertiesDoc.parse(b"# only\r").edited({"a": "b"}).dumps() == b"# only\ra=b\r"


def test_dangling_backslash_at_the_end_does_not_swallow_a_new_key() -> None:
    for old in (b"a=1\\", b"a=1\\\n", b"a=1\\\\\\"):
        new = PropertiesDoc.parse(old).edited({"b": "2"}).dumps()
        assert loads(new) == {**loads(old), "b": "2"}, (old, new)
    assert PropertiesDoc.parse(b"a=1\\\\").edited({"b": "2"}).dumps() == b"a=1\\\\\nb=2\n"  # even: kept
    assert PropertiesDoc.parse(b"# c\\").edited({"b": "2"}).dumps() == b"# c\\\nb=2\n"  # comments never continue


def test_unset_removes_every_occurrence_and_keeps_comments() -> None:
    new = PropertiesDoc.parse(SAMPLE).edited(unset=["dup", "brokerName", "missing"]).dumps()
    assert new == SAMPLE.replace(b"dup=1\r\ndup=2\r\n", b"").replace(b"brokerName : broker-a\r\n", b"")


def test_entries_have_line_numbers() -> None:
    entries = PropertiesDoc.parse(SAMPLE).entries()
    assert [(e.key, e.line) for e in entries] == [
        ("brokerClusterName", 4),
        ("brokerName", 5),
        ("namesrvAddr", 6),
        ("storePathRootDir", 7),
        ("key with space", 9),
        ("dup", 10),
        ("dup", 11),
        ("empty", 12),
        ("trailing", 13),
        ("deleteWhen", 14),
    ]


def test_bad_unicode_escape_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        PropertiesDoc.parse(b"a=\\u12G4\n")


def test_unified_diff() -> None:
    old = b"a=1\r\nb=2\r\n"
    new = PropertiesDoc.parse(old).edited({"b": "3"}).dumps()
    assert unified_diff(old, new, "/x/broker.properties") == (
        "--- /x/broker.properties\n+++ /x/broker.properties (edited)\n@@ -1,2 +1,2 @@\n a=1\n-b=2\n+b=3\n"
    )
    assert unified_diff(old, old, "p") == ""
    assert unified_diff(b"a=1", b"a=2", "p", old_label="as loaded", new_label="on disk") == (
        "--- as loaded\n+++ on disk\n@@ -1 +1 @@\n-a=1\n\\ No newline at end of file\n+a=2\n"
        "\\ No newline at end of file\n"
    )


def test_escape_value() -> None:
    assert escape_value("a\\:b") == "a\\\\:b"
    assert escape_value(":x") == "\\:x"
    assert escape_value("tab\there\nnl") == "tab\\there\\nnl"


# ----------------------------------------------------------------------------- property based
KEY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)
VALUE_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
SEPARATORS = st.sampled_from(["=", ":", " = ", " : ", " ", "\t", "  =\t"])


@st.composite
def properties_files(draw: st.DrawFn) -> bytes:
    """Random files: comments, blank lines, escapes, continuations, raw Latin-1/UTF-8 bytes, duplicates,
    one line ending for the whole file (CRLF, LF or CR) or mixed, with or without a final one."""
    mixed = draw(st.booleans())
    file_eol = draw(st.sampled_from(["\n", "\r\n", "\r"]))

    def eol() -> str:
        return draw(st.sampled_from(["\n", "\r\n", "\r"])) if mixed else file_eol

    parts: list[str] = []
    keys: list[str] = []
    for _ in range(draw(st.integers(0, 10))):
        kind = draw(st.sampled_from(["kv", "kv", "kv", "comment", "blank", "continued", "dup", "raw"]))
        if kind == "comment":
            parts.append(
                draw(st.sampled_from(["#", "!", "  #"])) + draw(VALUE_TEXT).replace("\r", "").replace("\n", "")
            )
        elif kind == "blank":
            parts.append(draw(st.sampled_from(["", "   ", "\t"])))
        elif kind == "dup" and keys:
            key = draw(st.sampled_from(keys))
            parts.append(javaproperties.escape(key) + "=" + escape_value(draw(VALUE_TEXT)))
        elif kind == "raw":
            # non-ASCII bytes written raw (as a UTF-8 editor would), read by Java as Latin-1
            raw = draw(st.text(st.sampled_from("é✓ü€abc"), min_size=1, max_size=5)).encode().decode("latin-1")
            key = "raw" + str(len(keys))
            keys.append(key)
            parts.append(f"{key}={raw}")
        else:
            key = draw(KEY_TEXT)
            keys.append(key)
            value = escape_value(draw(VALUE_TEXT))
            line = (
                draw(st.sampled_from(["", "  "]))
                + javaproperties.escape(key, ensure_ascii=draw(st.booleans()))
                + draw(SEPARATORS)
                + value
            )
            if kind == "continued" and len(value) > 1:
                cut = draw(st.integers(1, len(value) - 1))
                if not value[:cut].endswith("\\") or value[:cut].endswith("\\\\"):
                    line = line[: len(line) - len(value)] + value[:cut] + "\\" + eol() + "   " + value[cut:]
            parts.append(line)
    text = "".join(p + eol() for p in parts)
    if text and draw(st.booleans()):
        text = text.rstrip("\r\n")
    return text.encode("latin-1", errors="backslashreplace")


def lines_of(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(properties_files())
def test_property_no_op_is_byte_identical(data: bytes) -> None:
    doc = PropertiesDoc.parse(data)
    assert doc.dumps() == data
    assert doc.edited().dumps() == data
    assert (
        doc.edited({k: v for k, v in loads(data).items() if [e.key for e in doc.entries()].count(k) == 1}).dumps()
        == data
    )
    assert doc.as_dict() == loads(data) == dict(javaproperties.PropertiesFile.loads(data.decode("latin-1")))


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(properties_files(), st.data())
def test_property_setting_one_key_changes_only_its_line(data: bytes, pick: st.DataObject) -> None:
    doc = PropertiesDoc.parse(data)
    entries = doc.entries()
    if not entries:
        return
    key = pick.draw(st.sampled_from([e.key for e in entries]))
    value = pick.draw(VALUE_TEXT)
    new = doc.edited({key: value}).dumps()
    assert loads(new) == {**loads(data), key: value}
    occurrences = [e for e in entries if e.key == key]
    if len(occurrences) == 1 and occurrences[0].value == value:
        assert new == data
        return
    # Element by element (as javaproperties parses both files), everything but the key's first
    # element is byte-identical, later duplicates are gone, and the key is one line with the old ending.
    old_elements = list(javaproperties.parse(data.decode("latin-1")))
    positions = [i for i, e in enumerate(old_elements) if isinstance(e, javaproperties.KeyValue) and e.key == key]
    kept = [e.source for i, e in enumerate(old_elements) if i not in positions[1:]]
    new_sources = [e.source for e in javaproperties.parse(new.decode("latin-1"))]
    assert len(new_sources) == len(kept) == len(old_elements) - len(occurrences) + 1
    for i, (old_piece, new_piece) in enumerate(zip(kept, new_sources, strict=False)):
        if i == positions[0]:
            body = new_piece.rstrip("\r\n")
            assert "\n" not in body and "\r" not in body
            assert new_piece[len(body) :] == old_piece[len(old_piece.rstrip("\r\n")) :]
        else:
            assert new_piece == old_piece
    assert len([ln for ln in lines_of(new) if ln not in lines_of(data)]) <= 1


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(properties_files(), KEY_TEXT, VALUE_TEXT)
def test_property_new_key_is_appended(data: bytes, key: str, value: str) -> None:
    doc = PropertiesDoc.parse(data)
    if doc.get(key) is not None:
        return
    new = doc.edited({key: value}).dumps()
    assert loads(new) == {**loads(data), key: value}
    # Every line but the last one of the old file is unchanged, and the new file starts with them.
    old_lines = lines_of(data)
    assert new.startswith(b"".join(old_lines[:-1]))
    if data.endswith((b"\n", b"\r")) and not data.rstrip(b"\r\n").endswith(b"\\"):
        assert new.startswith(data)
    eols = {ln[len(ln.rstrip(b"\r\n")) :] for ln in old_lines if ln.endswith((b"\n", b"\r"))}
    if len(eols) == 1:  # a file with one kind of line ending keeps it
        assert new.endswith(eols.pop())


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(properties_files(), st.data())
def test_property_unset_removes_only_that_key(data: bytes, pick: st.DataObject) -> None:
    doc = PropertiesDoc.parse(data)
    if not doc.entries():
        return
    key = pick.draw(st.sampled_from([e.key for e in doc.entries()]))
    new = doc.edited(unset=[key]).dumps()
    expected = loads(data)
    del expected[key]
    assert loads(new) == expected
    kept = "".join(
        e.source
        for e in javaproperties.parse(data.decode("latin-1"))
        if not (isinstance(e, javaproperties.KeyValue) and e.key == key)
    )
    assert new == kept.encode("latin-1")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(properties_files(), st.dictionaries(KEY_TEXT, VALUE_TEXT, max_size=4))
def test_property_crlf_files_stay_crlf(data: bytes, changes: dict[str, str]) -> None:
    if b"\r\n" not in data or data.replace(b"\r\n", b"").count(b"\n") or data.replace(b"\r\n", b"").count(b"\r"):
        return  # only files that are purely CRLF
    new = PropertiesDoc.parse(data).edited(changes).dumps()
    rest = new.replace(b"\r\n", b"")
    assert b"\n" not in rest and b"\r" not in rest
    assert loads(new) == {**loads(data), **changes}


# ----------------------------------------------------------------------------- generated files vs Java
# Values Java's Properties.load treats specially: separators and comment marks inside a value,
# backslashes, leading and trailing blanks, a leading separator, tabs, Latin-1, beyond Latin-1
# (BMP and astral), what looks like a second line.
TRICKY = [
    ("productEnvName", "prod€"),
    ("a", "x=y:z#w!v"),
    ("b", "\\\\host\\share\\"),
    ("c", "  two leading spaces"),
    ("d", "trailing  "),
    ("e", "=starts with equals"),
    ("f", ":starts with colon"),
    ("g", "#not a comment"),
    ("h", "!not a comment either"),
    ("i", "tab\there"),
    ("j", "café naïve"),
    ("k", "emoji 😀 and 中文"),
    ("l", "\\nlistenPort=9879"),
    ("m", "\\u0041 is not an escape here"),
    ("key with spaces", "v"),
    ("key=with:separators#", "v"),
    ("#key", "v"),
    ("n", ""),
]


def test_generated_file_reads_back_in_java_exactly(java_properties: JavaProperties, tmp_path: Path) -> None:
    path = tmp_path / "namesrv.properties"
    path.write_bytes(PropertiesDoc.generated("Generated by a test", TRICKY).dumps())
    assert path.read_bytes().decode("ascii").startswith("# Generated by a test\n")  # \\uXXXX: pure ASCII
    assert java_properties.read(path) == [dict(TRICKY)]


@settings(max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), min_size=1, max_size=12),
            st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=30),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_any_printable_value_round_trips_through_java(
    java_properties: JavaProperties, tmp_path: Path, items: list[tuple[str, str]]
) -> None:
    path = tmp_path / "gen.properties"
    path.write_bytes(PropertiesDoc.generated("h", items).dumps())
    assert java_properties.read(path) == [dict(items)]  # last value of a repeated key, like Java


@pytest.mark.parametrize("value", ["a\nlistenPort=9879", "a\rb", "bell\a", "esc\x1b[31m", "c1\x9b", "del\x7f"])
def test_generated_refuses_line_breaks_and_control_characters(value: str) -> None:
    with pytest.raises(ValueError, match="productEnvName: a value cannot contain line breaks or control characters"):
        PropertiesDoc.generated("h", [("productEnvName", value)])
