"""Date arithmetic of the collection process: lateness, aging, levels and instalment dates."""

import calendar
import itertools
from bisect import bisect_right
from collections.abc import Sequence
from datetime import date, datetime, timedelta

__all__ = [
    "AGING_BUCKETS",
    "INTERVALS",
    "add_months",
    "aging_bucket",
    "days_late",
    "instalment_dates",
    "level_reached",
]

#: Aging buckets in order, as returned by :func:`aging_bucket`.
AGING_BUCKETS = ("not_due", "1_30", "31_60", "61_90", "over_90")

#: Instalment intervals accepted by :func:`instalment_dates`, with their length in days
#: (``None`` for calendar months).
INTERVALS = {"monthly": None, "weekly": 7, "biweekly": 14}


def _as_date(value: date) -> date:
    # A datetime is a date too, but subtracting a date from it raises: keep the day only.
    return value.date() if isinstance(value, datetime) else value


def days_late(due_date: date, on_date: date) -> int:
    """Days between ``due_date`` and ``on_date``: positive when late, zero on the due date
    itself and negative while the invoice is not yet due."""
    return (_as_date(on_date) - _as_date(due_date)).days


def aging_bucket(days: int) -> str:
    """Aging bucket of an amount ``days`` late; zero or fewer days is ``'not_due'``."""
    if days <= 0:
        return "not_due"
    if days <= 30:
        return "1_30"
    if days <= 60:
        return "31_60"
    if days <= 90:
        return "61_90"
    return "over_90"


def level_reached(offsets: Sequence[int], days: int) -> int | None:
    """Index of the highest level whose offset is at most ``days``, or ``None``.

    ``offsets`` are the levels' offsets in days from the due date (negative before it), in
    strictly ascending order; ``days`` is what :func:`days_late` returns for the invoice.

    :raises ValueError: when the offsets are not strictly ascending, because two levels on
        the same day, or out of order, would make the level reached ambiguous.
    """
    offsets = list(offsets)
    if any(earlier >= later for earlier, later in itertools.pairwise(offsets)):
        raise ValueError(f"level offsets must be strictly ascending, got {offsets}")
    index = bisect_right(offsets, days) - 1
    return index if index >= 0 else None


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months (negative to go back), clamped to the end
    of the target month: January 31 plus one month is February 28 (29 in a leap year)."""
    day = _as_date(day)
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def instalment_dates(first_date: date, count: int, interval: str = "monthly") -> list[date]:
    """Due dates of ``count`` instalments, the first on ``first_date``.

    Monthly dates are all computed from ``first_date``, so the day of the month is kept
    wherever the month allows it: from January 31 the dates are February 28 (or 29), then
    March 31, not March 28.

    :raises ValueError: when ``count`` is smaller than 1 or the interval is unknown.
    """
    if not isinstance(count, int) or count < 1:
        raise ValueError(f"a payment plan needs at least one instalment, not {count!r}")
    if interval not in INTERVALS:
        raise ValueError(f"unknown interval {interval!r}, expected one of {', '.join(INTERVALS)}")
    first_date = _as_date(first_date)
    step = INTERVALS[interval]
    if step is None:
        return [add_months(first_date, index) for index in range(count)]
    return [first_date + timedelta(days=step * index) for index in range(count)]
