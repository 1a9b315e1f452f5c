"""How a log line of a RocketMQ node is laid out, compiled from the logback pattern that wrote it.

A node's logback XML says how each file's lines look: RocketMQ's is
`%d{yyy-MM-dd HH:mm:ss,GMT+8} %p %t - %m%n`, where `,GMT+8` is the time zone of `%d` (logback
splits `%d`'s option at commas), so real lines read `2026-11-30 13:18:44 WARN main - …`, without
milliseconds.  `compile_pattern` turns a pattern into a `LineFormat`: one compiled regex matching
the head of an entry's first line (stamp, level), the zone the stamps are written in and whether
they carry milliseconds.  A line the regex does not match continues the entry above it (stack
frames, wrapped messages).  Per line a view does at most one `match`, and only for lines it shows
or searches: nothing is parsed when lines arrive.

stdout.log (the JVM's console: its own errors, crash notices, logback's status lines, rocketui's
exit marker) and the GC log (`-Xlog:gc*`) are not logback files and get formats of their own.

Pure: no I/O.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class Level:
    """Severity of a line as small ints, so a view can store one per line cheaply."""

    NONE, TRACE, DEBUG, INFO, WARN, ERROR = 0, 1, 2, 3, 4, 5
    BY_NAME = {"TRACE": TRACE, "DEBUG": DEBUG, "INFO": INFO, "WARN": WARN, "ERROR": ERROR}
    NAMES = {v: k for k, v in BY_NAME.items()}


# level words as logback (%p) and the JVM's unified logging ([warning]) write them
_LEVEL_WORDS = {
    **Level.BY_NAME,
    "FATAL": Level.ERROR,
    "error": Level.ERROR,
    "warning": Level.WARN,
    "info": Level.INFO,
    "debug": Level.DEBUG,
    "trace": Level.TRACE,
}
_LEVEL_RE = "TRACE|DEBUG|INFO|WARN|ERROR"
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}


# ------------------------------------------------------------------ zones
def java_zone(zone_id: str) -> tuple[tzinfo, str]:
    """The zone a JVM's `TimeZone.getTimeZone(id)` gives, and a label for it: custom ids
    (`GMT+8`, `GMT+08:00`, `GMT-0530`), UTC/GMT, region ids (`Asia/Shanghai`).  Java falls back to
    GMT for an id it does not know (RocketMQ 4.x's namesrv console pattern `…,SSS` names zone "SSS")."""
    text = zone_id.strip()
    m = re.fullmatch(r"(?:GMT|UTC|UT)?([+-])(\d{1,2})(?::?(\d\d))?", text)
    if m and (text[0] in "+-" or text[:1] in "GU"):
        hours, minutes = int(m.group(2)), int(m.group(3) or 0)
        if hours <= 23 and minutes <= 59:
            sign = -1 if m.group(1) == "-" else 1
            return timezone(sign * timedelta(hours=hours, minutes=minutes)), text
    if text.upper() in ("GMT", "UTC", "UT", "Z"):
        return UTC, text
    if "/" in text:
        try:
            return ZoneInfo(text), text
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return UTC, f"GMT ({text!r} is no zone Java knows)"


def offset_label(tz: tzinfo, when: datetime | None = None) -> str:
    """`UTC+08:00` style label of a zone's offset (now, or at `when`)."""
    offset = (when or datetime.now(tz)).astimezone(tz).utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def host_zone() -> tzinfo:
    """The zone of the machine rocketui runs on (what the journal shows)."""
    return datetime.now().astimezone().tzinfo or UTC


# ------------------------------------------------------------------ date patterns (%d{...})
@dataclass(frozen=True)
class _Field:
    letter: str
    count: int


# regex and group name per pattern letter; the first occurrence of a field captures
_DATE_FIELDS = {"y", "M", "d", "H", "h", "m", "s", "S", "a", "E", "Z", "X", "z"}


def _date_tokens(pattern: str) -> list[_Field | str]:
    """A SimpleDateFormat pattern as fields and literal text ('quoted' text is literal)."""
    tokens: list[_Field | str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "'":
            end = pattern.find("'", i + 1)
            if end == i + 1:
                tokens.append("'")
                i += 2
                continue
            if end < 0:
                raise ValueError(f"unterminated quote in date pattern {pattern!r}")
            tokens.append(pattern[i + 1 : end])
            i = end + 1
        elif c.isascii() and c.isalpha():
            j = i
            while j < len(pattern) and pattern[j] == c:
                j += 1
            if c not in _DATE_FIELDS:
                raise ValueError(f"date pattern letter {c!r} is not supported (in {pattern!r})")
            tokens.append(_Field(c, j - i))
            i = j
        else:
            j = i
            while j < len(pattern) and pattern[j] != "'" and not (pattern[j].isascii() and pattern[j].isalpha()):
                j += 1
            tokens.append(pattern[i:j])
            i = j
    return tokens


def _field_regex(f: _Field, group: str | None) -> str:
    n = f.count
    body = {
        "y": r"\d\d" if n == 2 else rf"\d{{{max(n, 4)}}}",
        "M": r"\d{1,2}" if n == 1 else (r"\d\d" if n == 2 else r"[A-Za-z]{3,9}"),
        "d": r"\d{1,2}" if n == 1 else r"\d\d",
        "H": r"\d{1,2}" if n == 1 else r"\d\d",
        "h": r"\d{1,2}" if n == 1 else r"\d\d",
        "m": r"\d{1,2}" if n == 1 else r"\d\d",
        "s": r"\d{1,2}" if n == 1 else r"\d\d",
        "S": r"\d{1,3}" if n < 3 else rf"\d{{{n}}}",
        "a": r"[AaPp][Mm]",
        "E": r"[A-Za-z]{2,9}",
        "Z": r"[+-]\d{4}",
        "X": r"Z|[+-]\d\d(?::?\d\d)?",
        "z": r"[A-Za-z]{1,5}(?:[+-]\d{1,2}(?::?\d\d)?)?",
    }[f.letter]
    return f"(?P<{group}>{body})" if group else f"(?:{body})"


# group names of the stamp's fields inside a line regex
_GROUP = {"y": "t_year", "M": "t_mon", "d": "t_day", "H": "t_hour", "h": "t_hour12", "m": "t_min", "s": "t_sec"}
_GROUP.update({"S": "t_ms", "a": "t_ampm", "Z": "t_off", "X": "t_off"})


@dataclass(frozen=True)
class DateFormat:
    """A compiled `%d{pattern}`: regex source with named field groups, and a formatter."""

    pattern: str
    tokens: tuple[_Field | str, ...]
    regex: str
    groups: frozenset[str]
    millis: bool

    @classmethod
    def compile(cls, pattern: str) -> DateFormat:
        tokens = _date_tokens(pattern)
        parts: list[str] = []
        groups: set[str] = set()
        for t in tokens:
            if isinstance(t, str):
                parts.append(re.escape(t))
                continue
            name = _GROUP.get(t.letter)
            if name in groups:
                name = None
            if name:
                groups.add(name)
            parts.append(_field_regex(t, name))
        if "t_hour12" in groups and "t_hour" in groups:
            groups.discard("t_hour12")
        return cls(pattern, tuple(tokens), "".join(parts), frozenset(groups), "t_ms" in groups)

    @property
    def has_date(self) -> bool:
        return {"t_year", "t_mon", "t_day", "t_hour", "t_min"} <= self.groups or {
            "t_year",
            "t_mon",
            "t_day",
            "t_hour12",
            "t_ampm",
            "t_min",
        } <= self.groups

    def format(self, when: datetime) -> str:
        """`when` written the way this pattern writes it (English names, as RocketMQ's JVMs)."""
        out: list[str] = []
        for t in self.tokens:
            if isinstance(t, str):
                out.append(t)
                continue
            n, c = t.count, t.letter
            if c == "y":
                out.append(f"{when.year % 100:02d}" if n == 2 else f"{when.year:0{n}d}")
            elif c == "M":
                out.append(f"{when.month:0{n}d}" if n <= 2 else when.strftime("%b" if n == 3 else "%B"))
            elif c in "dHmsh":
                value = {"d": when.day, "H": when.hour, "m": when.minute, "s": when.second}.get(c)
                if c == "h":
                    value = when.hour % 12 or 12
                out.append(f"{value:0{n}d}")
            elif c == "S":
                out.append(f"{when.microsecond // 1000:0{n}d}")
            elif c == "a":
                out.append("AM" if when.hour < 12 else "PM")
            elif c == "E":
                out.append(when.strftime("%a" if n <= 3 else "%A"))
            elif c in "ZX":
                off = when.utcoffset() or timedelta(0)
                if c == "X" and not off:
                    out.append("Z")
                    continue
                minutes = int(off.total_seconds()) // 60
                sign = "-" if minutes < 0 else "+"
                hh, mm = divmod(abs(minutes), 60)
                out.append(f"{sign}{hh:02d}:{mm:02d}" if c == "X" and n >= 3 else f"{sign}{hh:02d}{mm:02d}")
            else:  # z
                out.append(when.strftime("%Z") or offset_label(when.tzinfo or UTC, when))
        return "".join(out)


def _offset_seconds(text: str) -> int:
    if text in ("Z", "z"):
        return 0
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return sign * (int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60)


# ------------------------------------------------------------------ line formats
@dataclass(frozen=True, eq=False)
class LineFormat:
    """One compiled line layout.  `regex` matches the head of an entry's first line; a line it does
    not match (or whose `cont` group matched) continues the entry above.  Groups: `stamp` (the time
    stamp, with `t_*` fields), `lv*` (a level word), `err*` / `warn*` (the line is an error /
    warning), `status` (rocketui's exit marker)."""

    regex: re.Pattern[str]
    date: DateFormat | None
    zone: tzinfo | None  # the stamps' zone; None: an offset in each stamp, or the JVM's default zone
    zone_label: str
    origin: str  # where the layout came from ("conf/rmq.broker.logback.xml", "assumed: …")
    pattern: str = ""
    kind: str = "logback"  # "logback" | "stdout" | "gc"
    _level_groups: tuple[int, ...] = field(default=(), repr=False)
    _err_groups: tuple[int, ...] = field(default=(), repr=False)
    _warn_groups: tuple[int, ...] = field(default=(), repr=False)
    _cont: int = field(default=0, repr=False)
    _status: int = field(default=0, repr=False)
    _stamp: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        index = self.regex.groupindex
        object.__setattr__(self, "_level_groups", tuple(i for n, i in index.items() if n.startswith("lv")))
        object.__setattr__(self, "_err_groups", tuple(i for n, i in index.items() if n.startswith("err")))
        object.__setattr__(self, "_warn_groups", tuple(i for n, i in index.items() if n.startswith("warn")))
        object.__setattr__(self, "_cont", index.get("cont", 0))
        object.__setattr__(self, "_status", index.get("status", 0))
        object.__setattr__(self, "_stamp", index.get("stamp", 0))

    # ---------------------------------------------------------- per line (one match each)
    @property
    def millis(self) -> bool:
        return self.date is not None and self.date.millis

    def is_header(self, line: str) -> bool:
        """False for continuation lines (stack frames, wrapped messages) of the entry above."""
        m = self.regex.match(line)
        return m is not None and not (self._cont and m.start(self._cont) >= 0)

    def level(self, line: str) -> int:
        m = self.regex.match(line)
        return Level.NONE if m is None else self._level_of(m)

    def classify(self, line: str) -> tuple[int, bool]:
        """(level, starts an entry) with one match."""
        m = self.regex.match(line)
        if m is None:
            return Level.NONE, False
        return self._level_of(m), not (self._cont and m.start(self._cont) >= 0)

    def _level_of(self, m: re.Match[str]) -> int:
        level = Level.NONE
        for g in self._level_groups:
            word = m.group(g)
            if word:
                level = _LEVEL_WORDS.get(word.strip(), Level.NONE)
                break
        for g in self._err_groups:
            if m.start(g) >= 0:
                return Level.ERROR
        if level >= Level.WARN:
            return level
        for g in self._warn_groups:
            if m.start(g) >= 0:
                return Level.WARN
        if self._status and m.start(self._status) >= 0:
            # 0: a clean exit; 130/143: SIGINT/SIGTERM, how rocketui stops a node
            return Level.NONE if m.group(self._status) in ("0", "130", "143") else Level.ERROR
        return level

    def stamp_span(self, line: str) -> tuple[int, int] | None:
        m = self.regex.match(line)
        if m is None or not self._stamp or m.start(self._stamp) < 0:
            return None
        return m.span(self._stamp)

    def time(self, line: str) -> float | None:
        """Epoch seconds of the line's stamp, None without one (or without a date in it)."""
        m = self.regex.match(line)
        if m is None or not self._stamp or m.start(self._stamp) < 0:
            return None
        return self._epoch(m)

    def _epoch(self, m: re.Match[str]) -> float | None:
        date = self.date
        if date is None or not date.has_date:
            return None
        g = m.group
        try:
            year_text = g("t_year")
            year = int(year_text) + (2000 if len(year_text) == 2 else 0)
            mon_text = g("t_mon")
            month = int(mon_text) if mon_text.isdigit() else _MONTHS[mon_text[:3].lower()]
            day = int(g("t_day"))
            if "t_hour" in date.groups:
                hour = int(g("t_hour"))
            else:
                hour = int(g("t_hour12")) % 12 + (12 if g("t_ampm").upper() == "PM" else 0)
            minute = int(g("t_min"))
            second = int(g("t_sec")) if "t_sec" in date.groups else 0
            ms = int(g("t_ms")) if "t_ms" in date.groups else 0
        except (KeyError, ValueError, IndexError, AttributeError):
            return None
        if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 61):
            return None
        frac = ms / 1000
        if "t_off" in date.groups and g("t_off"):
            utc = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
            return utc - _offset_seconds(g("t_off")) + frac
        zone = self.zone or host_zone()
        try:
            return datetime(year, month, day, hour, minute, min(second, 59), tzinfo=zone).timestamp() + frac
        except ValueError:  # 31 February
            return None

    def restamp(self, line: str, tz: tzinfo) -> str:
        """The line with its stamp written in zone `tz` (same layout); unchanged without one."""
        m = self.regex.match(line)
        if m is None or not self._stamp or m.start(self._stamp) < 0 or self.date is None:
            return line
        epoch = self._epoch(m)
        if epoch is None:
            return line
        start, end = m.span(self._stamp)
        return line[:start] + self.date.format(datetime.fromtimestamp(epoch, tz)) + line[end:]

    def view(self, line: str, tz: tzinfo | None) -> tuple[str, int, tuple[int, int] | None]:
        """What a view draws for a line, from one match: the line (its stamp rewritten in zone `tz`,
        as written when None), its level, and where its stamp is."""
        m = self.regex.match(line)
        if m is None:
            return line, Level.NONE, None
        level = self._level_of(m)
        if not self._stamp or m.start(self._stamp) < 0:
            return line, level, None
        start, end = m.span(self._stamp)
        if tz is not None and self.date is not None:
            epoch = self._epoch(m)
            if epoch is not None:
                stamp = self.date.format(datetime.fromtimestamp(epoch, tz))
                return line[:start] + stamp + line[end:], level, (start, start + len(stamp))
        return line, level, (start, end)

    def with_zone(self, zone: tzinfo, label: str) -> LineFormat:
        """This layout with the zone its stamps are written in (the JVM's default zone, once known)."""
        return replace(self, zone=zone, zone_label=label)

    def with_origin(self, origin: str) -> LineFormat:
        return replace(self, origin=origin)

    @property
    def assumed(self) -> bool:
        return self.origin.startswith("assumed")


# ------------------------------------------------------------------ logback layout patterns
@dataclass(frozen=True)
class _Conv:
    word: str
    options: tuple[str, ...]
    left: bool  # "-" modifier: padded on the right
    width: int
    children: tuple[_Conv | str, ...] = ()


_MESSAGE_WORDS = {"m", "msg", "message"}
_LEVEL_WORDS_CONV = {"p", "le", "level"}
_DATE_WORDS = {"d", "date"}
_END_WORDS = {"n"}


def _options(pattern: str, i: int) -> tuple[tuple[str, ...], int]:
    """logback's option list `{a, "b,c"}` starting at pattern[i] == '{', read as its
    OptionTokenizer does: commas separate, quotes protect, a backslash outside quotes stays."""
    options: list[str] = []
    buf: list[str] = []
    state, quote = "expecting", ""
    i += 1
    while i < len(pattern):
        c = pattern[i]
        if state == "expecting":
            if c == "}":
                return tuple(options), i + 1
            if c in "'\"":
                state, quote = "quoted", c
            elif c not in " \t\r\n,":
                buf, state = [c], "raw"
        elif state == "raw":
            if c == ",":
                options.append("".join(buf).strip())
                buf = []
            elif c == "}":
                options.append("".join(buf).strip())
                return tuple(options), i + 1
            else:
                buf.append(c)
        elif c == quote:
            options.append("".join(buf))
            buf, state = [], "expecting"
        elif c == "\\" and i + 1 < len(pattern):
            i += 1
            buf.append("\\" + pattern[i])
        else:
            buf.append(c)
        i += 1
    raise ValueError(f"unterminated option in layout pattern {pattern!r}")


def _parse_layout(pattern: str, i: int = 0, closing: bool = False) -> tuple[list[_Conv | str], int]:
    """A logback layout pattern as literal text and conversions (with composite `%word(...)`)."""
    items: list[_Conv | str] = []
    literal: list[str] = []
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            literal.append({"n": "\n", "r": "\r", "t": "\t", "_": ""}.get(nxt, nxt))
            i += 2
            continue
        if closing and c == ")":
            break
        if c != "%":
            literal.append(c)
            i += 1
            continue
        if literal:
            items.append("".join(literal))
            literal = []
        m = re.compile(r"%(-?)(\d*)(?:\.-?\d+)?([a-zA-Z]*)").match(pattern, i)
        assert m is not None
        left, width, word = m.group(1) == "-", int(m.group(2) or 0), m.group(3)
        i = m.end()
        children: tuple[_Conv | str, ...] = ()
        if i < len(pattern) and pattern[i] == "(":
            inner, i = _parse_layout(pattern, i + 1, closing=True)
            if i >= len(pattern) or pattern[i] != ")":
                raise ValueError(f"unbalanced parenthesis in layout pattern {pattern!r}")
            i += 1
            children = tuple(inner)
        options: tuple[str, ...] = ()
        if i < len(pattern) and pattern[i] == "{":
            options, i = _options(pattern, i)
        if not word and not children:
            raise ValueError(f"a '%' without a conversion word in layout pattern {pattern!r}")
        items.append(_Conv(word, options, left, width, children))
    if literal:
        items.append("".join(literal))
    return items, i


def _flatten(items: list[_Conv | str] | tuple[_Conv | str, ...]) -> list[_Conv | str]:
    """Composite conversions (`%highlight(%-5p)`, `%yellow(...)`) are transparent in a file."""
    out: list[_Conv | str] = []
    for item in items:
        if isinstance(item, _Conv) and item.children:
            out.extend(_flatten(item.children))
        else:
            out.append(item)
    return out


def compile_pattern(pattern: str, *, origin: str) -> LineFormat:
    """A logback layout pattern (`%d{…} %p %t - %m%n` and the words RocketMQ's XMLs use: `%d`,
    `%p`/`%-5p`, `%t`, `%m`, `%n`, `%logger{n}`, `%M`, `%L`, `%pid`, colour wrappers) as a
    LineFormat.  The regex covers the head up to the last stamp or level conversion before the
    message (plus the literal after it): that is what tells an entry's first line from the lines
    continuing it.  Raises ValueError for a pattern it cannot compile."""
    items, _ = _parse_layout(pattern)
    head: list[_Conv | str] = []
    for item in _flatten(items):
        if isinstance(item, _Conv) and (item.word in _MESSAGE_WORDS or item.word in _END_WORDS):
            break
        head.append(item)
    key = [i for i, item in enumerate(head) if isinstance(item, _Conv) and item.word in _DATE_WORDS | _LEVEL_WORDS_CONV]
    cut = key[-1] + 1 if key else 0
    if cut and cut < len(head) and isinstance(head[cut], str):
        cut += 1  # the literal after the last key field: "WARN " is a level, "WARNING" is not
    date: DateFormat | None = None
    zone: tzinfo | None = None
    zone_label = "the JVM's default zone"
    parts = ["^"]
    for item in head[:cut]:
        if isinstance(item, str):
            parts.append(re.escape(item))
        elif item.word in _DATE_WORDS:
            if date is not None:  # a second %d: only the first is the stamp
                parts.append(".*?")
                continue
            date_pattern = item.options[0] if item.options and item.options[0] else "yyyy-MM-dd HH:mm:ss,SSS"
            date_pattern = {"ISO8601": "yyyy-MM-dd HH:mm:ss,SSS", "STRICT": "yyyy-MM-dd'T'HH:mm:ss,SSS"}.get(
                date_pattern, date_pattern
            )
            date = DateFormat.compile(date_pattern)
            if len(item.options) > 1 and item.options[1]:
                zone, zone_label = java_zone(item.options[1])
            parts.append(f"(?P<stamp>{date.regex})")
        elif item.word in _LEVEL_WORDS_CONV:
            level = f"(?P<lv>{_LEVEL_RE})"
            parts.append((level + " *") if item.left and item.width else (" *" + level) if item.width else level)
        else:  # thread, logger, method, line, pid, MDC …: whatever text they wrote
            parts.append(".*?")
    return LineFormat(re.compile("".join(parts)), date, zone, zone_label, origin, pattern=pattern, kind="logback")


# ------------------------------------------------------------------ RocketMQ's layouts
# Every file appender of RocketMQ 4.x and 5.x (read from their XMLs; tests/data/logback):
ROCKETMQ_PATTERN = "%d{yyy-MM-dd HH:mm:ss,GMT+8} %p %t - %m%n"
NO_LEVEL_PATTERN = "%d{yyy-MM-dd HH:mm:ss,GMT+8} - %m%n"  # protection.log, watermark.log
NO_THREAD_PATTERN = "%d{yyy-MM-dd HH:mm:ss,GMT+8} %p - %m%n"  # stats.log
_PATTERN_BY_FILE = {
    "protection.log": NO_LEVEL_PATTERN,
    "watermark.log": NO_LEVEL_PATTERN,
    "stats.log": NO_THREAD_PATTERN,
}
# the console (STDOUT) appender; 4.9.7's namesrv writes `…HH\:mm\:ss,SSS` ("SSS" is a zone id there)
_CONSOLE_4X = {
    "namesrv": "%d{yyy-MM-dd HH\\:mm\\:ss,SSS} %p %t - %m%n",
    "broker": "%d{yyy-MM-dd HH\\:mm\\:ss,GMT+8} %p %t - %m%n",
}


def is_4x(version: str) -> bool:
    return version.strip().startswith("4.")


@lru_cache(maxsize=256)
def default_format(file_name: str, version: str, *, why: str = "") -> LineFormat:
    """The layout a stock RocketMQ XML gives `file_name`, for when the node's XML cannot be read."""
    pattern = _PATTERN_BY_FILE.get(file_name, ROCKETMQ_PATTERN)
    note = f"assumed: RocketMQ {version} default" + (f" ({why})" if why else "")
    return compile_pattern(pattern, origin=note)


@lru_cache(maxsize=64)
def default_console_format(kind: str, version: str, *, why: str = "") -> LineFormat:
    pattern = _CONSOLE_4X.get(kind, ROCKETMQ_PATTERN) if is_4x(version) else ROCKETMQ_PATTERN
    note = f"assumed: RocketMQ {version} default" + (f" ({why})" if why else "")
    return compile_pattern(pattern, origin=note)


# ------------------------------------------------------------------ stdout.log
_STDOUT_ERRORS = "|".join(
    [
        r"Exception in thread ",
        r"Error: ",
        r"Error occurred during initialization of VM",
        r"Invalid (?:initial |maximum |minimum |young )?\w*(?: heap| generation)? ?size",
        r"Unrecognized VM option ",
        r"Unrecognized option: ",
        r"Could not create the Java Virtual Machine",
        r"(?:Aborting|Terminating) due to java\.lang\.OutOfMemoryError",
        r"(?:Aborted|Killed|Segmentation fault|Bus error)(?: \(core dumped\))?$",
        r"[\w$]+(?:\.[\w$]+)*(?:Exception|Error)(?::|$)",  # an exception as printStackTrace writes it
    ]
)
_STDOUT_WARNINGS = r"(?:OpenJDK|Java HotSpot\(TM\)) (?:64-Bit )?(?:Server|Client) VM warning: |WARNING: "
# lines of an exception or of the JVM's fatal-error notice that continue the line above
_STDOUT_CONTINUATION = (
    r"[ \t]|Caused by: |Suppressed: |\.\.\. \d+ (?:more|common frames omitted)"
    r"|\#(?:\s*(?P<err_crash>A fatal error|There is insufficient memory|SIG[A-Z]+ \(0x|An error report file"
    r"|\S*hs_err_pid\d+))?"
)
EXIT_LINE = r"\[rocketui\] exited with status (?P<status>\d+)"


@lru_cache(maxsize=64)
def stdout_format(console: LineFormat, *, origin: str = "") -> LineFormat:
    """The JVM's captured stdout+stderr: lines of the console appender (`console`), logback's own
    status lines (`05:18:43,695 |-WARN in …`), the JVM's errors and warnings, its fatal-error notice
    (`# A fatal error …`, the hs_err file), exceptions with their traces, rocketui's exit marker.
    Any other line starts an entry of its own (boot lines are plain prints)."""
    head = console.regex.pattern.removeprefix("^")
    regex = (
        rf"^(?:(?P<cont>{_STDOUT_CONTINUATION})"
        rf"|{head}"
        rf"|\d\d:\d\d:\d\d,\d{{3}} \|-(?P<lv_status>INFO|WARN|ERROR) in "
        rf"|{EXIT_LINE}"
        rf"|(?P<err_jvm>{_STDOUT_ERRORS})"
        rf"|(?P<warn_jvm>{_STDOUT_WARNINGS})"
        r"|)"
    )
    return LineFormat(
        re.compile(regex),
        console.date,
        console.zone,
        console.zone_label,
        origin or f"stdout; console layout {console.origin}",
        pattern=console.pattern,
        kind="stdout",
    )


# ------------------------------------------------------------------ GC log
# `-Xlog:gc*:file=…:time,tags` (Java 9+): `[2026-11-30T05:20:28.414+0000][gc,start    ] GC(0) Pause …`;
# `-Xloggc` with PrintGCDateStamps (Java 8): `2026-11-30T05:20:28.414+0000: 1.234: [GC pause …`
GC_DATE = DateFormat.compile("yyyy-MM-dd'T'HH:mm:ss.SSSZ")
_GC_WARNINGS = r"Pause Full|To-space exhausted|Evacuation Failure|to-space overflow|concurrent mode failure|Full GC"


@lru_cache(maxsize=1)
def gc_format() -> LineFormat:
    """The JVM's GC log: each stamp carries its own offset; `[warning]`/`[error]` decorators, full
    collections and evacuation failures are warnings, OutOfMemoryError an error; a line not
    starting with a decorator or a stamp continues the one above."""
    regex = (
        rf"^(?=\[|\d{{4}}-)\[?(?:(?P<stamp>{GC_DATE.regex})(?:\]|: ))?"
        r"(?:\[(?:(?P<lv>warning|error|info|debug|trace)\s*|[^\]]*)\])*"
        rf"(?:(?=.*?(?P<warn_gc>{_GC_WARNINGS})))?"
        r"(?:(?=.*?(?P<err_gc>OutOfMemoryError)))?"
    )
    return LineFormat(re.compile(regex), GC_DATE, None, "the offset in each line", "GC log (-Xlog:gc*)", kind="gc")
