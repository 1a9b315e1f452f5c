"""shell_lines.classify: which physical lines of a shell script start a command.

The upstream launchers (tests/data/jvm/upstream) are all code; the crafted cases are checked
against bash where the shell can tell (`bash -n` for syntax, and what a script prints)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from rocketui.rocketmq.shell_lines import CODE, CONTINUED, HEREDOC, STRING, classify

UPSTREAM = Path(__file__).parent.parent / "data" / "jvm" / "upstream"


@pytest.mark.parametrize("path", sorted(UPSTREAM.glob("*.sh")), ids=lambda p: p.name)
def test_upstream_launchers_are_all_code(path: Path) -> None:
    lines = classify(path.read_text())
    assert {line.kind for line in lines} == {CODE}
    # the comment is cut off a code line, quotes are respected
    by_number = {line.number: line for line in lines}
    commented = [line for line in lines if line.text.lstrip().startswith("#")]
    assert commented and all(line.code.strip() == "" for line in commented)
    assert all(by_number[line.number].code == line.text for line in lines if "#" not in line.text)


@pytest.mark.parametrize(
    "text,kinds",
    [
        # delimiter spellings: quoted, double-quoted, backslash, partly quoted; <<- strips tabs
        ("cat <<'E O'\nx\nE O\ny\n", [CODE, HEREDOC, HEREDOC, CODE]),
        ('cat <<"EOF"\nx\nEOF\ny\n', [CODE, HEREDOC, HEREDOC, CODE]),
        ("cat <<\\EOF\nx\nEOF\ny\n", [CODE, HEREDOC, HEREDOC, CODE]),
        ('cat <<E"O"F\nx\nEOF\ny\n', [CODE, HEREDOC, HEREDOC, CODE]),
        ("cat <<-EOF\n\tx\n\tEOF\ny\n", [CODE, HEREDOC, HEREDOC, CODE]),
        ("cat <<EOF\n\tEOF\nEOF\ny\n", [CODE, HEREDOC, HEREDOC, CODE]),  # without -, a tab counts
        # the body starts after the command's last line, here after a continuation
        ("cat <<EOF \\\n  >/dev/null\nbody\nEOF\ny\n", [CODE, CONTINUED, HEREDOC, HEREDOC, CODE]),
        # not heredocs: a here-string, a shift, a comment, a quoted <<
        ('cat <<<"x"\ny\n', [CODE, CODE]),
        ("echo $((1 << 2))\ny\n", [CODE, CODE]),
        ("echo x # <<EOF\ny\n", [CODE, CODE]),
        ("echo '<<EOF' \"<<EOF\"\ny\n", [CODE, CODE]),
        # strings spanning lines; $# and ${#x} are not comments, so their quotes still count
        ('echo $# "a\nb"\ny\n', [CODE, STRING, CODE]),
        ("x=${#y}'a\nb'\ny\n", [CODE, STRING, CODE]),
        ("echo `date\n`\ny\n", [CODE, STRING, CODE]),
        ('echo "a \\"\nb"\ny\n', [CODE, STRING, CODE]),
    ],
)
def test_kinds(text: str, kinds: list[str], tmp_path: Path) -> None:
    script = tmp_path / "s.sh"
    script.write_text(text)
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    assert [line.kind for line in classify(text)] == kinds


def test_where_a_line_is() -> None:
    lines = classify("cat <<'EOF'\nx\nEOF\nA='one\ntwo'\necho \\\nmore\n")
    assert [line.where for line in lines] == [
        "",
        "a here-document (<<'EOF', line 1)",
        "a here-document (<<'EOF', line 1)",
        "",
        "a quoted string opened on line 4",
        "",
        "the command continued from line 6",
    ]
    assert lines[0].code == "cat <<'EOF'" and lines[3].code == "A='one"
