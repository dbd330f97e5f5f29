"""Terminal colour, on only when asked for (a terminal, no NO_COLOR)."""

from __future__ import annotations

_CODES = {"bold": "1", "red": "31", "green": "32", "yellow": "33", "blue": "34", "cyan": "36", "dim": "2"}


def paint(text: str, style: str, color: bool) -> str:
    if not color or not text:
        return text
    codes = ";".join(_CODES[part] for part in style.split("+"))
    return f"\x1b[{codes}m{text}\x1b[0m"
