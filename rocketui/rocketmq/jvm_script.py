"""Read and edit the JVM memory flags in the JAVA_OPT lines of runserver.sh / runbroker.sh.

No library does this job: a shell parser would have to understand the scripts' if/else
branches and give back exact byte positions, and the one for Python (bashlex) is GPL and would
still leave the splicing to us.  So this is a deliberately narrow line scanner:

* Only lines of the exact form `JAVA_OPT="${JAVA_OPT} <literal options>"` (optional indentation
  and trailing comment) are edited, and only when the literal part has no `$`, backtick,
  backslash or quote.  Inside those quotes we only swap whitespace-separated words, and the new
  words match `-X...<size>`, so an edit cannot change the script's syntax.
* A memory flag on any other non-comment line (say `-Xmx${HEAP}`) is reported and makes an edit
  of that flag refuse.  Commented-out lines (`#JAVA_OPT=...`) are ignored.
* Only lines that start a command count as code (rocketui.rocketmq.shell_lines): a line inside a
  quoted string that spans lines, or continuing a command after a backslash, is not editable
  (and blocks an edit of a flag it mentions); a line of a here-document body is text the script
  writes or feeds to a command: it is never edited, does not count as a setting, and is listed in
  `ScriptFlags.untouched` so an edit can say it was left alone.
* The official scripts set the heap in several Java-version branches (runserver.sh has
  `-Xms4g -Xmx4g` twice; runbroker.sh has `-Xmn4g` only in the branch for Java < 8).  A flag is
  therefore replaced on *every* line that has it, and when it is on no line that always runs,
  it is also added to every line that sets -Xmx, so the new value applies whatever Java runs.
  `if`/`case`/loop nesting is tracked by first words of statements, which is enough for these
  scripts and only decides where a missing flag is added.

The JVM takes the last occurrence of a flag, and the scripts append JAVA_OPT_EXT after their own
options, so what a node really runs with is the script's value unless JAVA_OPT_EXT (rocketui's
per-node `jvm:` settings) sets the same flag; `expected_flags` models exactly that.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rocketui.rocketmq import shell_lines

FLAGS: dict[str, str] = {  # flag name -> option prefix; the value follows the prefix
    "Xms": "-Xms",
    "Xmx": "-Xmx",
    "Xmn": "-Xmn",
    "MetaspaceSize": "-XX:MetaspaceSize=",
    "MaxMetaspaceSize": "-XX:MaxMetaspaceSize=",
    "MaxDirectMemorySize": "-XX:MaxDirectMemorySize=",
}
REMOVABLE = ("Xmn", "MetaspaceSize", "MaxMetaspaceSize", "MaxDirectMemorySize")

_SIZE_RE = re.compile(r"([0-9]+)([kKmMgGtT]?)")
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_TOKEN_RE = re.compile(r"(?<![^\s\"'])(?:-Xm[sxn]|-XX:(?:Max)?MetaspaceSize=|-XX:MaxDirectMemorySize=)\S*")
_OPT_LINE_RE = re.compile(
    r"(?P<head>[ \t]*JAVA_OPT=\"(?:\$\{JAVA_OPT\}|\$JAVA_OPT(?![A-Za-z0-9_])))(?P<body>[^\"$`\\]*)"
    r"(?P<tail>\"[ \t]*(?:#.*)?)"
)
_EOL_RE = re.compile(r"(\r\n|\r|\n)\Z")


class JvmScriptError(Exception):
    """The script cannot be edited as asked; the message says why and where."""


# --------------------------------------------------------------------------- sizes and tokens
def parse_size(value: str) -> int:
    """Bytes of a JVM size such as 256m, 8g, 8G or 1073741824; ValueError when malformed."""
    m = _SIZE_RE.fullmatch(value)
    if not m or int(m.group(1)) == 0:
        raise ValueError(f"{value!r} is not a JVM size; expected a number with k, m, g or t, like 256m or 8g")
    return int(m.group(1)) * _UNITS[m.group(2).lower()]


def format_size(n: int) -> str:
    for unit in ("t", "g", "m", "k"):
        if n % _UNITS[unit] == 0:
            return f"{n // _UNITS[unit]}{unit}"
    return str(n)


def size_problem(flag: str, value: str) -> str | None:
    if flag not in FLAGS:
        return f"unknown memory flag {flag!r}; expected one of {', '.join(FLAGS)}"
    try:
        parse_size(value)
    except ValueError as exc:
        return f"-{flag}: {exc}"
    return None


def token(flag: str, value: str) -> str:
    return FLAGS[flag] + value


def parse_token(word: str) -> tuple[str, str] | None:
    """("Xms", "8g") for "-Xms8g"; None for anything that is not one of the memory flags."""
    for flag, prefix in FLAGS.items():
        if word.startswith(prefix) and len(word) > len(prefix):
            return flag, word[len(prefix) :]
    return None


def flags_in_words(words: Iterable[str]) -> dict[str, str]:
    """The memory flags among JVM option words; the last occurrence wins, as in the JVM."""
    found: dict[str, str] = {}
    for word in words:
        parsed = parse_token(word)
        if parsed:
            found[parsed[0]] = parsed[1]
    return found


_OPTS_WITH_VALUE = {
    "-cp",
    "-classpath",
    "--class-path",
    "-p",
    "--module-path",
    "--add-opens",
    "--add-exports",
    "--add-modules",
    "--add-reads",
}


def jvm_options(argv: Sequence[str]) -> list[str]:
    """The JVM options of a java argv: the words after argv[0] up to the main class."""
    options: list[str] = []
    i = 1
    while i < len(argv):
        word = argv[i]
        if not word.startswith("-"):
            break
        options.append(word)
        if word in _OPTS_WITH_VALUE:
            i += 1
        i += 1
    return options


def running_flags(argv: Sequence[str]) -> dict[str, str]:
    """Memory flags a running JVM was started with (last occurrence of each)."""
    return flags_in_words(jvm_options(argv))


def check_sizes(values: Mapping[str, Sequence[tuple[str, int]]]) -> list[str]:
    """Cross-checks of one set of flags, each value with its line (0 = no line): Xms <= Xmx,
    Xmn < Xmx (JDK 17 silently keeps a young generation larger than the heap),
    MetaspaceSize <= MaxMetaspaceSize.  With several values per flag every combination must pass."""
    problems: list[str] = []

    def sizes(flag: str) -> list[tuple[int, str, int]]:
        out = []
        for v, line in values.get(flag, ()):
            try:
                out.append((parse_size(v), v, line))
            except ValueError:
                pass
        return out

    def shown(flag: str, item: tuple[int, str, int]) -> str:
        return token(flag, item[1]) + (f" (line {item[2]})" if item[2] else "")

    def compare(small: str, big: str, strict: bool, what: str) -> None:
        lo, hi = sizes(small), sizes(big)
        if not lo or not hi:
            return
        worst_small, worst_big = max(lo), min(hi)
        if worst_small[0] > worst_big[0] or (strict and worst_small[0] == worst_big[0]):
            problems.append(f"{shown(small, worst_small)} {what} {shown(big, worst_big)}")

    compare("Xms", "Xmx", False, "is larger than")
    compare("Xmn", "Xmx", True, "must be smaller than")
    compare("MetaspaceSize", "MaxMetaspaceSize", False, "is larger than")
    return problems


# --------------------------------------------------------------------------- scanning
@dataclass(frozen=True)
class OptLine:
    number: int  # 1-based
    text: str  # without the line ending
    editable: bool
    conditional: bool  # inside if/case/loop: may not run
    flags: tuple[tuple[str, str], ...]  # memory flags on the line, in order
    reason: str = ""  # why it is not editable


@dataclass(frozen=True)
class ScriptFlags:
    """The memory flags of a launcher script: every line that sets one, and every editable
    JAVA_OPT line."""

    lines: tuple[OptLine, ...]
    untouched: tuple[OptLine, ...] = ()  # here-document lines that mention memory flags

    def untouched_notes(self, flags: Iterable[str]) -> list[str]:
        """What an edit of `flags` left alone in here-documents, one line each."""
        wanted = set(flags)
        return [
            f"line {line.number} mentions {' '.join(token(f, v) for f, v in line.flags if f in wanted)} "
            f"{line.reason}; left alone"
            for line in self.untouched
            if any(f in wanted for f, _ in line.flags)
        ]

    def sites(self, flag: str) -> list[tuple[str, OptLine]]:
        return [(value, line) for line in self.lines for f, value in line.flags if f == flag]

    def values(self, flag: str) -> list[str]:
        """Distinct values of `flag` in line order."""
        seen: list[str] = []
        for value, _ in self.sites(flag):
            if value not in seen:
                seen.append(value)
        return seen

    def value(self, flag: str) -> str | None:
        """The value when every line that sets `flag` agrees, else None."""
        values = self.values(flag)
        return values[0] if len(values) == 1 else None

    def always_set(self, flag: str) -> bool:
        return any(not line.conditional for _, line in self.sites(flag))

    def blocked(self) -> list[OptLine]:
        return [line for line in self.lines if line.flags and not line.editable]

    def problems(self) -> list[str]:
        """Cross-check problems for every way through the script: the lines that always run
        alone, and with each conditional line (whose values win, being later or in a branch)."""
        always = [line for line in self.lines if not line.conditional]
        scenarios = [always] + [always + [line] for line in self.lines if line.conditional and line.flags]
        found: list[str] = []
        for scenario in scenarios:
            values: dict[str, list[tuple[str, int]]] = {}
            for line in scenario:
                for flag, value in line.flags:
                    values[flag] = [(value, line.number)]
            for problem in check_sizes(values):
                if problem not in found:
                    found.append(problem)
        return found

    def heap_lines(self) -> list[OptLine]:
        """Lines that set -Xmx: where a flag missing from every always-run line is added."""
        return [line for line in self.lines if any(f == "Xmx" for f, _ in line.flags)]

    def describe(self, flag: str) -> str:
        """'8g (line 25)', '4g (lines 9, 13)', '4g (line 9); not on line 25, ...' or 'not set'."""
        sites = self.sites(flag)
        if not sites:
            return "not set"
        parts = []
        for value in self.values(flag):
            numbers = [line.number for v, line in sites if v == value]
            parts.append(f"{value} (line{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))})")
        text = ", ".join(parts)
        if len(parts) > 1:
            text += "; differs between lines"
        if not self.always_set(flag):
            have = {line.number for _, line in sites}
            missing = [str(line.number) for line in self.heap_lines() if line.number not in have]
            if missing:
                text += (
                    f"; not on line{'s' if len(missing) > 1 else ''} {', '.join(missing)} (which set -Xmx), "
                    "so only some Java versions get it"
                )
        return text


_OPEN = {"if", "case", "while", "until", "for", "select"}
_CLOSE = {"fi", "esac", "done"}


def _depth_change(code: str) -> tuple[int, int]:
    """(opened, closed) blocks by the first word of each statement on the line."""
    opened = closed = 0
    for statement in re.split(r";;|;|&&|\|\||&|\|", code):
        words = statement.split()
        while words and words[0] in ("then", "else", "do", "{", "(", "!"):
            words = words[1:]
        if not words:
            continue
        if words[0] in _OPEN:
            opened += 1
        elif words[0] in _CLOSE:
            closed += 1
    return opened, closed


def _flags_in(text: str) -> tuple[tuple[str, str], ...]:
    return tuple(p for p in (parse_token(w.strip("\"'")) for w in _TOKEN_RE.findall(text)) if p)


_JOINED_RE = re.compile(r"(?:&&|\|\||\|)[ \t]*\Z")  # the next line is more of this and-or list


def scan(text: str) -> ScriptFlags:
    lines: list[OptLine] = []
    untouched: list[OptLine] = []
    depth = 0
    joined = False
    for line in shell_lines.classify(text):
        if line.kind == shell_lines.HEREDOC:
            flags = _flags_in(line.text)
            if flags:
                reason = f"inside {line.where}: text for a command, not this script's options"
                untouched.append(OptLine(line.number, line.text, False, True, flags, reason))
            continue
        if line.kind != shell_lines.CODE:  # inside a multi-line string, or continuing a command
            flags = _flags_in(line.text)
            if flags:
                where = f"inside {line.where}" if line.kind == shell_lines.STRING else f"part of {line.where}"
                lines.append(OptLine(line.number, line.text, False, depth > 0 or joined, flags, where))
            continue
        code = line.code
        opened, closed = _depth_change(code)
        # inside a block, opening one (`if ...; then JAVA_OPT=...`), or behind && / ||
        conditional = depth > 0 or opened > 0 or joined or bool(re.search(r"&&|\|\|", code))
        depth = max(0, depth + opened - closed)
        joined = bool(_JOINED_RE.search(code))
        m = _OPT_LINE_RE.fullmatch(line.text)
        if m:
            flags = tuple(p for p in (parse_token(w) for w in m["body"].split()) if p)
            lines.append(OptLine(line.number, line.text, True, conditional, flags))
        elif code.strip():
            flags = _flags_in(code)
            if flags:
                reason = 'not a plain JAVA_OPT="${JAVA_OPT} ..." line with literal options'
                lines.append(OptLine(line.number, line.text, False, conditional, flags, reason))
    return ScriptFlags(tuple(lines), tuple(untouched))


# --------------------------------------------------------------------------- editing
def _edit_body(body: str, flag: str, value: str | None) -> str:
    prefix = re.escape(FLAGS[flag])
    if value is None:
        return re.sub(rf"[ \t]*(?<!\S){prefix}\S+", "", body)
    return re.sub(rf"(?<!\S){prefix}\S+", lambda _: token(flag, value), body)


def _insert(body: str, flag: str, value: str) -> str:
    """Add the flag next to the other memory flags of the body, in FLAGS order (or at its end)."""
    order = list(FLAGS)
    before = after = None
    for m in _TOKEN_RE.finditer(body):
        parsed = parse_token(m.group(0))
        if parsed and order.index(parsed[0]) < order.index(flag):
            after = m
        elif parsed and before is None:
            before = m
    word = token(flag, value)
    if after is not None:
        return body[: after.end()] + " " + word + body[after.end() :]
    if before is not None:
        return body[: before.start()] + word + " " + body[before.start() :]
    stripped = body.rstrip(" \t")
    return stripped + " " + word + body[len(stripped) :]


def _check_changes(changes: Mapping[str, str | None]) -> None:
    for flag, value in changes.items():
        if value is None:
            if flag not in REMOVABLE:
                raise JvmScriptError(
                    f"-{flag} cannot be removed (without it the JVM sizes the heap from the "
                    "host's memory); set a value instead"
                )
        else:
            problem = size_problem(flag, value)
            if problem:
                raise JvmScriptError(problem)


def _refuse_blocked(info: ScriptFlags, changes: Mapping[str, str | None]) -> None:
    for line in info.blocked():
        hit = [f for f, _ in line.flags if f in changes]
        if hit:
            raise JvmScriptError(
                f"line {line.number} sets -{hit[0]} but is {line.reason}; edit it by hand: {line.text.strip()}"
            )


def _edited_bodies(info: ScriptFlags, changes: Mapping[str, str | None]) -> dict[int, str]:
    """Line number -> new JAVA_OPT body of every editable line."""
    bodies: dict[int, str] = {}
    for line in info.lines:
        if line.editable:
            m = _OPT_LINE_RE.fullmatch(line.text)
            assert m
            bodies[line.number] = m["body"]
    heap_lines = [line.number for line in info.heap_lines() if line.editable]
    for flag, value in changes.items():
        for number in bodies:
            bodies[number] = _edit_body(bodies[number], flag, value)
        if value is None or info.always_set(flag):
            continue
        if not heap_lines and not info.sites(flag):
            raise JvmScriptError(f"no editable JAVA_OPT line sets -Xmx, so there is no place to add -{flag}")
        for number in heap_lines:
            if parse_token_in(bodies[number], flag) is None:
                bodies[number] = _insert(bodies[number], flag, value)
    return bodies


def _splice(text: str, bodies: Mapping[int, str]) -> str:
    """`text` with the JAVA_OPT bodies of the given lines replaced; every other byte as it was."""
    out: list[str] = []
    for number, raw in enumerate(text.splitlines(keepends=True), 1):
        if number not in bodies:
            out.append(raw)
            continue
        eol_m = _EOL_RE.search(raw)
        eol = eol_m.group(1) if eol_m else ""
        content = raw[: len(raw) - len(eol)]
        m = _OPT_LINE_RE.fullmatch(content)
        assert m
        new = m["head"] + bodies[number] + m["tail"]
        out.append(new + eol if new != content else raw)
    return "".join(out)


def set_flags(text: str, changes: Mapping[str, str | None]) -> str:
    """The script with memory flags set (value) or removed (None); every other byte unchanged.

    Raises JvmScriptError for a bad size, a flag on a line that cannot be edited safely, or no
    line to put a flag on.  Cross-checks (Xms <= Xmx, ...) are the caller's: see `check_sizes`.
    Here-document lines are never edited (`ScriptFlags.untouched_notes` says which were seen).
    """
    _check_changes(changes)
    info = scan(text)
    _refuse_blocked(info, changes)
    return _splice(text, _edited_bodies(info, changes))


def parse_token_in(body: str, flag: str) -> str | None:
    """Value of `flag` in a JAVA_OPT body (last occurrence), or None."""
    return flags_in_words(body.split()).get(flag)


# --------------------------------------------------------------------------- expected vs running
def expected_flags(script: ScriptFlags, java_opt_ext: str = "") -> dict[str, set[str | None]]:
    """Values each memory flag may have in a JVM this script starts: the script's (one per
    branch; None = not set when no line that always runs sets it), unless JAVA_OPT_EXT sets it."""
    ext = flags_in_words(java_opt_ext.split())
    expected: dict[str, set[str | None]] = {}
    for flag in FLAGS:
        if flag in ext:
            expected[flag] = {ext[flag]}
            continue
        values: set[str | None] = set(script.values(flag))
        if not script.always_set(flag):
            values.add(None)
        expected[flag] = values
    return expected


def _same(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    try:
        return parse_size(a) == parse_size(b)
    except ValueError:
        return a == b


def restart_reasons(argv: Sequence[str], script: ScriptFlags, java_opt_ext: str = "") -> list[str]:
    """Why a JVM started earlier does not run with what the script (and JAVA_OPT_EXT) now give."""
    running = running_flags(argv)
    reasons: list[str] = []
    for flag, candidates in expected_flags(script, java_opt_ext).items():
        have = running.get(flag)
        if any(_same(have, want) for want in candidates):
            continue
        wants = sorted("not set" if w is None else token(flag, w) for w in candidates)
        now = token(flag, have) if have else f"no -{flag}"
        reasons.append(f"running with {now}, the script now gives {' or '.join(wants)}")
    return reasons
