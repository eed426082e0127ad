"""Statutory late-payment interest and fixed recovery costs.

Interest runs from the day after the due date up to and including the day of payment (or
of the calculation), counted actual/365. Rates are annual percentages held in rate tables:
lists of ``(valid_from, annual_rate_pct)`` pairs sorted by date, each rate applying from its
date until the next one starts. Amounts are computed exactly (with fractions) and rounded
half-up only once, at the end, so splitting a period never changes the result by a cent.
"""

import itertools
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from .money import _round_fraction, round_money, to_decimal
from .schedule import add_months

__all__ = [
    "FIXED_COMPENSATION_RULES",
    "compound_yearly_interest",
    "eu_reference_rate_periods",
    "fixed_compensation",
    "late_payment_interest",
    "simple_interest",
    "wik_collection_costs",
]

DAYS_IN_YEAR = 365

#: Rules accepted by :func:`fixed_compensation`.
FIXED_COMPENSATION_RULES = ("eu", "uk", "de", "fr", "nl_b2b", "nl_consumer", "none")

# Dutch WIK scale (Besluit vergoeding voor buitengerechtelijke incassokosten): the size of
# each successive slice of the principal and the percentage charged on it; the last slice
# is open-ended.
_WIK_SLICES = (
    (Decimal(2500), Decimal(15)),
    (Decimal(2500), Decimal(10)),
    (Decimal(5000), Decimal(5)),
    (Decimal(190000), Decimal(1)),
    (None, Decimal("0.5")),
)
_WIK_MINIMUM = Decimal(40)
_WIK_MAXIMUM = Decimal(6775)

RatePeriods = Sequence[tuple[date, Decimal]]


def _rate_table(rate_periods: RatePeriods) -> list[tuple[date, Decimal]]:
    table = [(valid_from, to_decimal(rate)) for valid_from, rate in rate_periods]
    if any(earlier[0] >= later[0] for earlier, later in itertools.pairwise(table)):
        raise ValueError("rate periods must be sorted by strictly ascending start date")
    return table


def _segments(start: date, end: date, table: list[tuple[date, Decimal]]):
    """``(days, rate)`` for each rate in force during the accrual days ``start < d <= end``."""
    if end <= start:
        return []
    first_day = start + timedelta(days=1)
    if not table or table[0][0] > first_day:
        # Claiming less than the law allows, or nothing, would go unnoticed: refuse instead.
        raise ValueError(f"no interest rate is defined for {first_day.isoformat()}")
    segments = []
    for index, (valid_from, rate) in enumerate(table):
        is_last = index + 1 == len(table)
        valid_to = end if is_last else table[index + 1][0] - timedelta(days=1)
        segment_start, segment_end = max(first_day, valid_from), min(end, valid_to)
        if segment_end >= segment_start:
            segments.append(((segment_end - segment_start).days + 1, rate))
    return segments


def _interest(principal: Fraction, segments) -> Fraction:
    return sum(
        (principal * Fraction(rate) / 100 * days / DAYS_IN_YEAR for days, rate in segments),
        Fraction(0),
    )


def simple_interest(principal, annual_rate_pct, start: date, end: date, digits: int = 2) -> Decimal:
    """Simple interest on ``principal`` at one annual rate, from the day after ``start`` (the
    due date) up to and including ``end``: ``principal * rate / 100 * days / 365``.

    Zero when ``end`` is not after ``start``.
    """
    segments = _segments(start, end, [(start, to_decimal(annual_rate_pct))])
    return _round_fraction(_interest(Fraction(to_decimal(principal)), segments), digits)


def late_payment_interest(
    principal, due_date: date, on_date: date, rate_periods: RatePeriods, digits: int = 2
) -> Decimal:
    """Simple interest on ``principal`` from the day after ``due_date`` to ``on_date``
    included, each day at the rate of ``rate_periods`` in force that day.

    This is the EU late payment directive's rule (2011/7/EU), where the rate is fixed per
    half-year: build its periods with :func:`eu_reference_rate_periods`.

    :raises ValueError: when the periods are not sorted or no rate is in force on the first
        day of interest.
    """
    segments = _segments(due_date, on_date, _rate_table(rate_periods))
    return _round_fraction(_interest(Fraction(to_decimal(principal)), segments), digits)


def compound_yearly_interest(
    principal, due_date: date, on_date: date, rate_periods: RatePeriods, digits: int = 2
) -> Decimal:
    """Interest of the Dutch rule (art. 6:119 and 6:119a BW): like
    :func:`late_payment_interest`, but at each anniversary of the due date the interest of
    the past year is added to the amount on which interest runs.

    Returns the interest only (principal not included). The capitalised interest is kept
    exact, not rounded per year, so the result does not depend on how the period is cut.
    """
    table = _rate_table(rate_periods)
    base = Fraction(to_decimal(principal))
    total = Fraction(0)
    year_start, years = due_date, 0
    while year_start < on_date:
        years += 1
        # Anniversaries count from the due date itself, so a February 29 due date keeps
        # falling on February 29 in leap years.
        year_end = min(add_months(due_date, 12 * years), on_date)
        year_interest = _interest(base, _segments(year_start, year_end, table))
        total += year_interest
        base += year_interest
        year_start = year_end
    return _round_fraction(total, digits)


def eu_reference_rate_periods(
    reference_rates: Mapping[date, Decimal], margin_pp
) -> list[tuple[date, Decimal]]:
    """Rate periods of the EU rule from the central bank's reference rates.

    ``reference_rates`` maps the first day of a half-year (1 January or 1 July) to the
    reference rate in force on that day; that rate applies for the whole half-year, plus
    ``margin_pp`` percentage points. A missing half-year keeps the previous rate.

    :raises ValueError: when a date is not 1 January or 1 July.
    """
    margin = to_decimal(margin_pp)
    periods = []
    for valid_from, rate in sorted(reference_rates.items()):
        if (valid_from.month, valid_from.day) not in ((1, 1), (7, 1)):
            raise ValueError(f"reference rates are fixed on 1 January and 1 July, not on {valid_from}")
        periods.append((valid_from, to_decimal(rate) + margin))
    return periods


def fixed_compensation(rule: str, amount) -> Decimal:
    """Fixed recovery costs that may be claimed for one late invoice of ``amount``.

    ``rule`` is one of :data:`FIXED_COMPENSATION_RULES`: ``'eu'``, ``'de'``, ``'fr'`` and
    ``'nl_b2b'`` give 40 (EUR); ``'uk'`` gives 40, 70 or 100 (GBP) for amounts below 1,000,
    below 10,000 and above; ``'nl_consumer'`` applies the WIK scale
    (:func:`wik_collection_costs`); ``'none'`` gives 0. Nothing is due on an amount of zero
    or less.

    :raises ValueError: for an unknown rule.
    """
    if rule not in FIXED_COMPENSATION_RULES:
        raise ValueError(
            f"unknown compensation rule {rule!r}, expected one of {', '.join(FIXED_COMPENSATION_RULES)}"
        )
    amount = to_decimal(amount)
    if rule == "none" or amount <= 0:
        return round_money(0)
    if rule == "nl_consumer":
        return wik_collection_costs(amount)
    if rule == "uk":
        # Late Payment of Commercial Debts (Interest) Act 1998, s. 5A.
        if amount < 1000:
            return round_money(40)
        return round_money(70 if amount < 10000 else 100)
    return round_money(40)


def wik_collection_costs(amount) -> Decimal:
    """Dutch extrajudicial collection costs on a consumer debt of ``amount`` (WIK scale).

    15% of the first 2,500, 10% of the next 2,500, 5% of the next 5,000, 1% of the next
    190,000 and 0.5% of the rest, at least 40 and at most 6,775, rounded to cents. Zero when
    nothing is owed. The 14-day letter the law requires first is the caller's concern.
    """
    remaining = to_decimal(amount)
    if remaining <= 0:
        return round_money(0)
    costs = Decimal(0)
    for size, pct in _WIK_SLICES:
        taken = remaining if size is None else min(remaining, size)
        costs += taken * pct / 100
        remaining -= taken
        if remaining <= 0:
            break
    return round_money(min(max(round_money(costs), _WIK_MINIMUM), _WIK_MAXIMUM))
