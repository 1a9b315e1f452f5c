"""Textual bindings of a keymap scope (the keymap itself is plain data in `rocketui.keymap`)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from rocketui.keymap import KEYMAP, SCREEN_SCOPES, Key


def _binding(key: Key, action: str | None = None, id: str | None = None) -> Binding:
    return Binding(
        key.keys,
        action or key.action,
        key.footer,
        show=key.show,
        id=id or key.id,
        priority=key.priority,
        tooltip=key.description,
    )


def bindings(scope: str) -> list[BindingType]:
    """The scope's bindings; a screen's footer starts with help (so `?` shows at 80 columns) and
    ends with quit, both run on the app."""
    own: list[BindingType] = [_binding(k) for k in KEYMAP if k.scope == scope]
    if scope == "global":  # shown by each screen's own footer instead (first and last)
        return [
            Binding(b.key, b.action, b.description, show=False, id=b.id, priority=b.priority)
            for b in own
            if isinstance(b, Binding)
        ]
    if scope not in SCREEN_SCOPES:
        return own
    help_key, quit_key = (next(k for k in KEYMAP if k.id == f"global.{a}") for a in ("help", "quit"))
    return [_binding(help_key, "app.help", f"{scope}.help"), *own, _binding(quit_key, "app.quit", f"{scope}.quit")]
