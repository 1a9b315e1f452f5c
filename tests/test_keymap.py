"""The keymap as data: unique ids, help names, and what every screen's footer shows first."""

from __future__ import annotations

import pytest

from rocketui.keymap import KEYMAP, SCREEN_SCOPES, display_key


def test_ids_are_unique() -> None:
    ids = [k.id for k in KEYMAP]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("keys", "shown"),
    [
        ("ctrl+s", "Ctrl+S"),
        ("f5", "F5"),
        ("escape", "Esc"),
        ("question_mark,f1", "?, F1"),
        ("S", "S"),
        ("delete", "Del"),
    ],
)
def test_help_writes_keys_one_way(keys: str, shown: str) -> None:
    assert display_key(keys) == shown


def test_every_screen_footer_starts_with_help() -> None:
    from rocketui.screens.bindings import bindings

    for scope in SCREEN_SCOPES:
        footer = [b for b in bindings(scope) if getattr(b, "show", True)]
        assert getattr(footer[0], "key", None) == "question_mark,f1", scope
        assert getattr(footer[0], "action", None) == "app.help"
