"""Argument types and exit codes shared by every command (`planner`, `streets`, `routes`).

A bad flag value is an argparse error (exit 2) naming what was expected, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math

from planner.domain import plausible_date

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2


def date(text: str) -> dt.date:
    """A calendar date, YYYY-MM-DD."""
    try:
        day = dt.date.fromisoformat(text)
        if day.isoformat() != text:  # 20261207 is ISO too, but not the form files take
            raise ValueError(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from exc
    if (why := plausible_date(day)) is not None:
        raise argparse.ArgumentTypeError(why)
    return day


def whole_number(text: str, least: int, most: int | None = None) -> int:
    """An integer in [least, most]."""
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from exc
    if most is not None and not least <= value <= most:
        raise argparse.ArgumentTypeError(f"expected {least} to {most}, got {value}")
    if value < least:
        wanted = f"of {least} or more" if least == 0 else f"above {least - 1}"
        raise argparse.ArgumentTypeError(f"expected a number {wanted}, got {value}")
    return value


def positive_int(text: str) -> int:
    """1, 2, ..."""
    return whole_number(text, 1)


def non_negative_int(text: str) -> int:
    """0, 1, ..."""
    return whole_number(text, 0)


MAX_WEEKS = 52
"""A rota's horizon at most (a year): the model grows with it, and is built before the
time limit starts to count."""
MAX_LOOKAHEAD = 8
"""Weeks after a rota its lookahead may guard at most (their model is built too)."""


def horizon_weeks(text: str) -> int:
    """1 to :data:`MAX_WEEKS`."""
    return whole_number(text, 1, MAX_WEEKS)


def lookahead_weeks(text: str) -> int:
    """0 to :data:`MAX_LOOKAHEAD`."""
    return whole_number(text, 0, MAX_LOOKAHEAD)


def seed(text: str) -> int:
    """A random seed every solver accepts (PyVRP's generator takes 32 bits)."""
    return whole_number(text, 0, 2**32 - 1)


def seconds(text: str) -> float:
    """A time limit above 0."""
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from exc
    if not math.isfinite(value) or value <= 0:  # nan passes every comparison's "no"
        raise argparse.ArgumentTypeError(f"expected a time above 0, got {value:g}")
    return value
