"""Edit a Java .properties file so that only the edited lines change, byte for byte.

Parsing is javaproperties' (`javaproperties.parse`, the parser behind `PropertiesFile`), which
keeps every element's original source text: comments, blank lines, order, separators, escapes,
continuation lines and line endings.  Untouched elements are written back from that source, so a
no-op save is byte-identical.

Why not `PropertiesFile.dumps()` for the edited lines themselves: it always ends a rewritten line
with "\\n" (a CRLF file would get a mixed line) and always uses `=` (`brokerRole = SLAVE` in the
shipped broker.conf would become `brokerRole=SLAVE`).  So an edited line is spliced here, with
`javaproperties.join_key_value` doing the escaping, and keeps its own indentation, separator and
line ending.  The semantics are PropertiesFile's: setting a key rewrites its first occurrence and
drops later duplicates; a new key is appended at the end; unsetting removes every occurrence.

Files are handled as ISO-8859-1, like `java.util.Properties.load(InputStream)`; characters beyond
Latin-1 in new values are written as \\uXXXX escapes.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import javaproperties
from javaproperties import Comment, KeyValue, PropertiesElement

# indentation, raw (escaped) key, separator -- on the first physical line of a key-value element
_HEAD_RE = re.compile(r"(?P<indent>[ \t\f]*)(?P<key>(?:\\.|[^\s=:\\])*)(?P<sep>[ \t\f]*[=:]?[ \t\f]*)")
_EOL_RE = re.compile(r"(\r\n|\r|\n)\Z")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_DANGLING_RE = re.compile(r"(?<!\\)((?:\\\\)*)\\(\r\n|\r|\n)?\Z")  # odd backslashes before the EOL


@dataclass(frozen=True)
class Entry:
    key: str
    value: str
    line: int  # 1-based number of the element's first physical line
    source: str


def _eol(source: str) -> str:
    m = _EOL_RE.search(source)
    return m.group(1) if m else ""


def escape_value(value: str) -> str:
    """`value` escaped for the right-hand side of a properties line.

    javaproperties escapes `=`, `:`, `#` and `!` everywhere like `Properties.store()`; Java reads
    them literally inside a value, so only a leading `=`/`:` (which a whitespace separator would
    swallow) keeps its backslash.  That keeps `namesrvAddr=10.0.0.1:9876` readable.
    """
    raw = javaproperties.join_key_value("k", value, separator="=")[2:]
    return re.sub(
        r"\\(.)",
        lambda m: m.group(1) if m.group(1) in "#!" or (m.group(1) in "=:" and m.start() > 0) else m.group(0),
        raw,
        flags=re.DOTALL,
    )


def value_problem(key: str, value: str) -> str | None:
    """Why `key=value` cannot be written as one properties line, or None.

    Escaping would keep a line break inside the value (as `\\n`), but no RocketMQ setting wants
    one and a pasted one is a mistake (or an attempt to add a line), so it is refused here, for
    broker edits and generated files alike."""
    if not key:
        return "an empty key"
    if any(ch in "\r\n" or (ord(ch) < 32 and ch != "\t") or 0x7F <= ord(ch) < 0xA0 for ch in key + value):
        return f"{key}: a value cannot contain line breaks or control characters"
    return None


class PropertiesDoc:
    """A parsed properties file that remembers its source text."""

    def __init__(self, elements: list[PropertiesElement]) -> None:
        self._elements = elements

    @classmethod
    def generated(cls, header: str, items: Iterable[tuple[str, str]]) -> PropertiesDoc:
        """A new file: `header` (comment lines) and the items in order, written with the same
        escaping as an edit (any value reads back exactly in Java: `=`, `:`, `#`, `!`, backslashes,
        leading spaces; beyond Latin-1 as \\uXXXX).  ValueError names a value that cannot be
        written (see `value_problem`); a key given twice keeps its last value, as Java would."""
        items = list(items)
        for key, value in items:
            problem = value_problem(key, value)
            if problem:
                raise ValueError(problem)
        text = "".join(f"# {line}\n" for line in header.splitlines())
        return cls.parse(text).edited(dict(items))

    @classmethod
    def parse(cls, data: bytes | str) -> PropertiesDoc:
        """Parse bytes (as ISO-8859-1, like Java) or text; raises ValueError on a bad \\u escape."""
        text = data.decode("latin-1") if isinstance(data, bytes) else data
        return cls(list(javaproperties.parse(text)))

    # ----------------------------------------------------------------- reading
    def text(self) -> str:
        return "".join(e.source for e in self._elements)

    def dumps(self) -> bytes:
        return self.text().encode("latin-1")

    def entries(self) -> list[Entry]:
        """Every key-value element in file order (duplicates included)."""
        found: list[Entry] = []
        line = 1
        for element in self._elements:
            if isinstance(element, KeyValue):
                found.append(Entry(element.key, element.value, line, element.source))
            line += len(_LINE_BREAK.findall(element.source))
        return found

    def get(self, key: str) -> str | None:
        """The value Java sees: the last occurrence."""
        value = None
        for element in self._elements:
            if isinstance(element, KeyValue) and element.key == key:
                value = element.value
        return value

    def as_dict(self) -> dict[str, str]:
        return {e.key: e.value for e in self.entries()}

    def newline(self) -> str:
        """The file's line ending (the first one found; "\\n" for a file without any)."""
        m = _LINE_BREAK.search(self.text())
        return m.group(0) if m else "\n"

    # ----------------------------------------------------------------- editing
    def edited(self, set_: Mapping[str, str] | None = None, unset: Iterable[str] = ()) -> PropertiesDoc:
        """A new document with `set_` keys set and `unset` keys removed; the rest untouched.

        Setting a key to the value Java already sees from a single line leaves that line alone.
        """
        doc = PropertiesDoc(list(self._elements))
        for key in unset:
            doc._elements = [e for e in doc._elements if not (isinstance(e, KeyValue) and e.key == key)]
        for key, value in (set_ or {}).items():
            doc._set(key, value)
        return doc

    def _set(self, key: str, value: str) -> None:
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError("keys and values are strings")
        positions = [i for i, e in enumerate(self._elements) if isinstance(e, KeyValue) and e.key == key]
        if positions:
            first = self._elements[positions[0]]
            assert isinstance(first, KeyValue)
            if len(positions) == 1 and first.value == value:
                return
            self._elements[positions[0]] = KeyValue(key, value, _rewrite(first, key, value))
            for i in reversed(positions[1:]):
                del self._elements[i]
            return
        newline = self.newline()
        if self._elements:
            last = self._elements[-1]
            source = last.source
            if not isinstance(last, Comment):
                # A trailing backslash at the end of the file continues nothing; after it the new
                # line would be read as part of the last value.
                source = _DANGLING_RE.sub(lambda m: m.group(1) + (m.group(2) or ""), source)
            if not _eol(source):
                source += newline
            if source != last.source:
                self._elements[-1] = last._with_source(source)
        self._elements.append(
            KeyValue(key, value, javaproperties.join_key_value(key, "", separator="=") + escape_value(value) + newline)
        )


def _rewrite(element: KeyValue, key: str, value: str) -> str:
    """The element's line with a new value: same indentation, key text, separator, line ending."""
    first_line = _LINE_BREAK.split(element.source, maxsplit=1)[0]
    m = _HEAD_RE.match(first_line)
    head = ""
    if m:
        sep = m["sep"] if m["sep"] and (m["sep"].strip() or m.end() < len(first_line)) else ""
        candidate = m["indent"] + m["key"] + (sep or "=")
        # Reuse the original text only when it parses back to the same key.
        if javaproperties.loads(candidate + "x") == {key: "x"}:
            head = candidate
    if not head:
        head = javaproperties.join_key_value(key, "", separator="=")
    return head + escape_value(value) + _eol(element.source)


# --------------------------------------------------------------------------- diff
def _display_lines(data: bytes) -> list[str]:
    try:
        text = data.decode("utf-8")  # display only: most files are ASCII or UTF-8
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.splitlines(keepends=True)


def unified_diff(
    old: bytes, new: bytes, path: str, *, context: int = 3, old_label: str = "", new_label: str = ""
) -> str:
    """A unified diff of two versions of a file for the operator ("" when they are equal)."""
    if old == new:
        return ""
    out: list[str] = []
    for line in difflib.unified_diff(
        _display_lines(old),
        _display_lines(new),
        fromfile=old_label or path,
        tofile=new_label or f"{path} (edited)",
        n=context,
    ):
        body = line.rstrip("\r\n")
        out.append(body)
        if body == line and not line.startswith(("---", "+++", "@@")):
            out.append("\\ No newline at end of file")
    return "\n".join(out) + "\n"
