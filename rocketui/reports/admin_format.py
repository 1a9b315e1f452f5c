"""Small formatting helpers shared by the day-2 reports (numbers, ages, times, body previews)."""

from __future__ import annotations

import time

BODY_PREVIEW = 512  # bytes of a body shown


def num(value: float | int | None, fmt: str = "d") -> str:
    return "-" if value is None else format(value, fmt)


def age(seconds: float | None) -> str:
    """'-', '42s', '7m', '3h', '2d'."""
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.0f}s"


def stamp(ms: int | None) -> str:
    """Local time of an epoch-ms value; '-' for 0/None (never)."""
    if not ms or ms <= 0:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ms / 1000)) + f".{ms % 1000:03d}"


def body_preview(body: bytes, limit: int = BODY_PREVIEW) -> tuple[str, str]:
    """('text', …) when the body is UTF-8 text, else ('hex', …); at most `limit` bytes shown."""
    shown = body[:limit]
    more = f" … ({len(body)} bytes)" if len(body) > limit else ""
    try:
        text = shown.decode("utf-8")
        if all(c.isprintable() or c in "\n\t" for c in text):
            return "text", text + more
    except UnicodeDecodeError:
        pass
    return "hex", shown.hex(" ") + more


def sparkline(values: list[int] | list[float], width: int = 12) -> str:
    """The last `width` values as block characters scaled to their own maximum."""
    blocks = "▁▂▃▄▅▆▇█"
    tail = list(values)[-width:]
    if not tail:
        return ""
    top = max(tail)
    if top <= 0:
        return blocks[0] * len(tail)
    return "".join(blocks[min(len(blocks) - 1, int(v / top * (len(blocks) - 1)))] for v in tail)
