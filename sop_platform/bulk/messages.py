"""Input quoted back in error messages: capped, so a 50 MB value cannot make a 50 MB answer."""

from collections.abc import Iterable

import pandas as pd

ECHO_LIMIT = 80  # characters of one input value a message may quote
_ELLIPSIS = "…"
_LISTED = 10  # names a message lists before "and N more"


def echo(value: str, limit: int = ECHO_LIMIT) -> str:
    """``value`` as a message may quote it: at most ``limit`` characters (the last an
    ellipsis when cut), with lone surrogates escaped so the answer can be encoded."""
    text = value if len(value) <= limit else value[: limit - 1] + _ELLIPSIS
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def echo_each(values: pd.Series, limit: int = ECHO_LIMIT) -> pd.Series:
    """:func:`echo` over a column of text, vectorized (values hold no surrogates here)."""
    long = values.str.len() > limit
    if not long.any():
        return values
    return values.where(~long, values.str.slice(0, limit - 1) + _ELLIPSIS)


def echo_names(names: Iterable[str]) -> str:
    """Comma-separated names, each capped, the list cut after a few with how many remain."""
    names = list(names)
    shown = ", ".join(echo(name) for name in names[:_LISTED])
    rest = len(names) - _LISTED
    return f"{shown} and {rest:,} more" if rest > 0 else shown
