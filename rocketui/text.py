"""Text from hosts, files, processes and the network made inert for a terminal.

Such text is shown by the TUI and printed by the CLI; a raw ESC, C1 control (U+009B is a CSI on
its own) or bidirectional override in it could move the cursor, set the title, rewrite the
operator's clipboard (OSC 52) or disguise what a line says.  `inert` makes every such character
visible instead.  Rich markup is the front ends' concern: they never put untrusted text into markup
(`markup=False`, `Text(...)`); this module has no Textual or Rich dependency.
"""

from __future__ import annotations

import re

# C0 controls shown as their Unicode "control pictures" (U+2400 + code); DEL as U+2421.
_C0 = {c: chr(0x2400 + c) for c in range(0x20)}
_C0[0x7F] = "\u2421"
# C1 controls and characters that change how the rest of a line is drawn (bidi overrides,
# line/paragraph separators) have no picture: shown as an escape text.
_OTHER = {
    c: f"\\u{c:04x}" for c in [*range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029]
}
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_TABLE = {**_C0, **_OTHER, 0x09: "    "}
_TABLE_KEEP_NEWLINES = {**_TABLE, 0x0A: "\n"}


def inert(text: str, *, newlines: bool = False) -> str:
    """`text` with every control character made visible; tabs become four spaces.  Line breaks
    are kept only when `newlines` (a multi-line detail box), else shown as U+240A."""
    if text.isprintable() and "\t" not in text:
        return text
    if _UNSAFE.search(text) is None and "\t" not in text:
        return text
    return text.translate(_TABLE_KEEP_NEWLINES if newlines else _TABLE)


def inert_lines(text: str) -> list[str]:
    """A multi-line text as inert lines (CR LF and lone CR end lines too)."""
    return [inert(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]


def human_bytes(size: int) -> str:
    """1536 -> '1.5 KiB'; what operators read next to a file name."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
