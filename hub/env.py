"""One typed reader for the hub's environment settings.

Every setting the hub reads from the environment goes through :func:`env`, so the
README's table of settings and the code cannot drift apart silently.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigurationError(Exception):
    """A setting is missing, malformed or insecure; the message names it in one line."""


def _to_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigurationError(f"{name}={raw!r} is not a boolean (use true or false)")


def _to_int(name: str, raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not an integer") from None


def _to_float(name: str, raw: str) -> float:
    try:
        return float(raw.strip())
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not a number") from None


def _to_list(name: str, raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


_CASTS: dict[type | str, Callable[[str, str], Any]] = {
    bool: _to_bool,
    int: _to_int,
    float: _to_float,
    list: _to_list,
    str: lambda name, raw: raw,
}


def env(name: str, default: Any = None, cast: type = str) -> Any:
    """Return the environment value `name` converted to `cast`, or `default` when unset.

    An empty string counts as unset for every type but ``str``. A value that
    cannot be converted raises :class:`ConfigurationError` naming the setting.
    """
    raw = os.environ.get(name)
    if raw is None or (raw == "" and cast is not str):
        return default
    return _CASTS[cast](name, raw)
