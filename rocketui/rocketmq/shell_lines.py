"""Which lines of a POSIX shell script are code: a small lexer, enough for launcher scripts.

A line-based editor must not touch text that only looks like code.  For each physical line this
says whether it starts a fresh command (`code`, with its trailing comment cut off), or is

* `heredoc`: the body (or the closing delimiter) of a here-document (`<<EOF`, `<<-EOF`, quoted
  or unquoted delimiters, several on one line, bodies in order); text the script writes or feeds
  to a command, not commands of its own;
* `string`: it starts inside a quoted string opened on an earlier line ('...', "...", `...`);
* `continued`: the line before ended with a backslash outside quotes, so this line is more
  words of that command (`echo \\` then `JAVA_OPT=...` prints; it assigns nothing).

It knows quotes, backslash escapes, comments (a `#` that starts a word), `$((...))` (whose `<<`
is a shift) and `<<<` (bash's here-string, no body).  It does not parse: `$( ... )` with quotes
inside double quotes is taken as it comes, which balances out in practice.  What it cannot tell
is on the safe side for an editor: a line it cannot be sure is code is not `code`.
"""

from __future__ import annotations

from dataclasses import dataclass

CODE = "code"
HEREDOC = "heredoc"
STRING = "string"
CONTINUED = "continued"

_COMMENT_AFTER = " \t;&|()<>"
_WORD_END = " \t;&|()<>"


@dataclass(frozen=True)
class Heredoc:
    delimiter: str
    strip_tabs: bool  # <<- : leading tabs are removed from the body and the delimiter line
    line: int  # where the operator is
    spelled: str  # as written, for messages: <<'EOF'

    def ends(self, raw: str) -> bool:
        return (raw.lstrip("\t") if self.strip_tabs else raw) == self.delimiter


@dataclass(frozen=True)
class ShellLine:
    number: int  # 1-based
    text: str  # without the line ending
    kind: str  # CODE | HEREDOC | STRING | CONTINUED
    code: str = ""  # CODE lines: the text without a trailing comment
    where: str = ""  # other lines: what they are inside of, for messages


@dataclass
class _State:
    quote: str = ""  # the open quote character, "" outside quotes
    quote_line: int = 0
    continued_from: int = 0  # the line a backslash-newline continues (0: none)
    pending: list[Heredoc] | None = None  # operators seen; bodies start after the command's line
    body: Heredoc | None = None  # the here-document whose body we are in
    queue: list[Heredoc] | None = None  # the bodies still to come after this one


def _heredoc_word(raw: str, i: int) -> tuple[str, int]:
    """The delimiter word at raw[i:] with its quoting removed, and where it ends."""
    word: list[str] = []
    n = len(raw)
    while i < n and raw[i] not in _WORD_END:
        ch = raw[i]
        if ch in "'\"":
            end = raw.find(ch, i + 1)
            end = n if end < 0 else end
            word.append(raw[i + 1 : end])
            i = end + 1
        elif ch == "\\" and i + 1 < n:
            word.append(raw[i + 1])
            i += 2
        else:
            word.append(ch)
            i += 1
    return "".join(word), i


def _skip_arithmetic(raw: str, i: int) -> int:
    """Past the `))` that closes the `$((` at raw[i]."""
    depth = 0
    j = i + 1
    while j < len(raw):
        if raw[j] == "(":
            depth += 1
        elif raw[j] == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return len(raw)


def _in_quote(raw: str, i: int, state: _State) -> int:
    """One step inside a quote; returns the next index."""
    ch = raw[i]
    if state.quote != "'" and ch == "\\":
        return i + 2
    if ch == state.quote:
        state.quote = ""
    return i + 1


def _scan(raw: str, number: int, state: _State) -> int:
    """Lex one physical line from `state`; returns where its code ends (a comment's start)."""
    i, n = 0, len(raw)
    state.continued_from = 0
    while i < n:
        ch = raw[i]
        if state.quote:
            i = _in_quote(raw, i, state)
        elif ch == "\\":
            if i == n - 1:
                state.continued_from = number
            i += 2
        elif ch in "'\"`":
            state.quote, state.quote_line = ch, number
            i += 1
        elif ch == "#" and (i == 0 or raw[i - 1] in _COMMENT_AFTER):
            return i
        elif raw.startswith("$((", i):
            i = _skip_arithmetic(raw, i + 1)
        elif raw.startswith("<<<", i):
            i += 3  # bash's here-string: a word, no body
        elif raw.startswith("<<", i):
            i = _operator(raw, i, number, state)
        else:
            i += 1
    return n


def _operator(raw: str, i: int, number: int, state: _State) -> int:
    start = i
    i += 2
    strip = i < len(raw) and raw[i] == "-"
    i += strip
    while i < len(raw) and raw[i] in " \t":
        i += 1
    word, end = _heredoc_word(raw, i)
    if not word:
        return i
    state.pending = [*(state.pending or []), Heredoc(word, strip, number, raw[start:end])]
    return end


def classify(text: str) -> list[ShellLine]:
    """Every physical line of `text` with its kind (see the module docstring)."""
    state = _State()
    out: list[ShellLine] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if state.body is not None:
            body = state.body
            out.append(ShellLine(number, raw, HEREDOC, where=f"a here-document ({body.spelled}, line {body.line})"))
            if body.ends(raw):
                queue = state.queue or []
                state.body, state.queue = (queue[0], queue[1:]) if queue else (None, None)
            continue
        if state.quote:
            kind, where = STRING, f"a quoted string opened on line {state.quote_line}"
        elif state.continued_from:
            kind, where = CONTINUED, f"the command continued from line {state.continued_from}"
        else:
            kind, where = CODE, ""
        end = _scan(raw, number, state)
        out.append(ShellLine(number, raw, kind, code=raw[:end] if kind == CODE else "", where=where))
        if state.pending and not state.quote and not state.continued_from:
            state.body, state.queue, state.pending = state.pending[0], state.pending[1:], None
    return out
