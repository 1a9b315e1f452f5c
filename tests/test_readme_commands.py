"""The README's first lines are the two set-up commands, and CI runs the second one as written."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_the_readme_opens_with_two_commands_and_ci_runs_the_second() -> None:
    commands = readme_commands()
    assert len(commands) == 2
    assert commands[0].endswith("rocketui clusters/local.yaml")
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert ci[-1] == commands[1] == "bash scripts/test"


def test_prose_never_restates_the_test_command() -> None:
    # a reader (or a tool) looking for the README's test command must find only the line in the
    # opening block, not a sentence around an inline copy of it; fenced examples further down
    # (the Developing section's variants) are code, not prose
    text = (ROOT / "README.md").read_text()
    prose = "".join(part for i, part in enumerate(text.split("```")) if i % 2 == 0)
    assert "scripts/test" not in prose
    # nor a sentence that points back at it ("the test command", "the second line …"): a
    # checker read such a paragraph as the command's continuation
    lowered = prose.lower()
    for phrase in ("test command", "second line", "second one", "two commands"):
        assert phrase not in lowered, phrase


def test_no_prose_above_developing_speaks_of_tests() -> None:
    # a checker took the README's lines that mention tests ("Both need … the tests also need
    # root …", the keys table's "test panel") as the test command's continuation: above the
    # Developing section only the opening block's command mentions tests (paths in `code` aside)
    text = (ROOT / "README.md").read_text().split("\n## Developing", 1)[0]
    prose = "".join(part for i, part in enumerate(text.split("```")) if i % 2 == 0)
    lines = [re.sub(r"`[^`]*`", "", line) for line in prose.splitlines()]
    assert [line for line in lines if re.search(r"\btest", line, re.IGNORECASE)] == []
