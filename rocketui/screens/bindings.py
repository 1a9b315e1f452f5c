"""Textual bindings of a keymap scope (the keymap itself is plain data in `rocketui.keymap`)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from rocketui.keymap import KEYMAP


def bindings(scope: str) -> list[BindingType]:
    return [Binding(k.keys, k.action, k.description, show=k.show, id=k.id) for k in KEYMAP if k.scope == scope]
