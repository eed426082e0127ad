"""Late-payment claims of one invoice: interest lines, fixed compensation, fees.

Pure functions, no ORM. Dates follow :mod:`.interest`: interest accrues on every day ``d``
with ``due < d <= end``; a payment on day ``p`` still bears interest on day ``p`` and no more
after it (so the days of a paid part are ``p - due``). Rates are annual percentages, counted
actual/365, fixed per half-year: the rate in force on 1 January for the first half, on 1 July
for the second. Each line is rounded half-up on its own; the claim is the sum of its lines, so
the letter's lines always add up to its total.
"""

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from .interest import fixed_compensation, wik_collection_costs
from .money import _round_fraction, split_by_weights, to_decimal
from .schedule import add_months

__all__ = [
    "RULES",
    "InterestLine",
    "MissingRate",
    "compensation",
    "half_year_rates",
    "half_year_start",
    "interest_lines",
    "rule_parameters",
    "wik_allowed",
    "wik_split",
]

DAYS_IN_YEAR = 365

#: (rule, customer type) -> reference series, margin in points, compounding, compensation rule.
#: ``series`` None: the contractual rate; "nl_consumer" is the Dutch statutory rate itself.
RULES = {
    ("none", "business"): None,
    ("none", "consumer"): None,
    ("contract", "business"): (None, Decimal(0), False, "none"),
    ("contract", "consumer"): (None, Decimal(0), False, "none"),
    ("eu", "business"): ("ecb", Decimal(8), False, "eu"),
    ("eu", "consumer"): None,  # the directive covers business-to-business debts only
    ("nl", "business"): ("ecb", Decimal(8), True, "nl_b2b"),
    ("nl", "consumer"): ("nl_consumer", Decimal(0), True, "nl_consumer"),
    ("uk", "business"): ("boe", Decimal(8), False, "uk"),
    ("uk", "consumer"): None,  # the 1998 Act covers commercial debts only
    ("de", "business"): ("de_base", Decimal(9), False, "de"),
    ("de", "consumer"): ("de_base", Decimal(5), False, "none"),
    ("fr", "business"): ("ecb", Decimal(10), False, "fr"),
    ("fr", "consumer"): None,
}


class MissingRate(ValueError):
    """No rate is recorded for the half-year starting on :attr:`period_start`."""

    def __init__(self, period_start: date, series: str = ""):
        self.period_start = period_start
        self.series = series
        half = "first" if period_start.month == 1 else "second"
        super().__init__(f"no {series} rate for the {half} half of {period_start.year}".replace("  ", " "))


@dataclass(frozen=True)
class InterestLine:
    """Interest at ``rate`` % a year on ``basis`` for the days ``date_from`` to ``date_to``
    (both included)."""

    date_from: date
    date_to: date
    rate: Decimal
    basis: Decimal
    amount: Decimal

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1


def rule_parameters(rule: str, customer_type: str):
    """``(series, margin, compound, compensation_rule)`` of a rule, or None when it claims
    nothing from this kind of customer.

    :raises ValueError: for an unknown rule or customer type.
    """
    try:
        return RULES[(rule, customer_type)]
    except KeyError:
        raise ValueError(f"unknown rule {rule!r} for a {customer_type!r} customer") from None


def half_year_start(day: date) -> date:
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def _next_half_year(start: date) -> date:
    return date(start.year, 7, 1) if start.month == 1 else date(start.year + 1, 1, 1)


def half_year_rates(table: Mapping[date, Decimal], margin=0, series: str = "") -> Callable[[date], Decimal]:
    """The rate of a day: the reference rate recorded for its half-year, plus ``margin``.

    ``table`` maps 1 January and 1 July of a year to the reference rate of that half-year. A
    half-year without a rate raises :class:`MissingRate` (never a silent zero, never the rate of
    an earlier half-year: the law fixes a new one every six months).

    :raises ValueError: when a date of the table is not 1 January or 1 July.
    """
    for valid_from in table:
        if (valid_from.month, valid_from.day) not in ((1, 1), (7, 1)):
            raise ValueError(f"reference rates are fixed on 1 January and 1 July, not on {valid_from}")
    rates = {valid_from: to_decimal(rate) + to_decimal(margin) for valid_from, rate in table.items()}

    def rate_on(day: date) -> Decimal:
        start = half_year_start(day)
        if start not in rates:
            raise MissingRate(start, series)
        return rates[start]

    return rate_on


def _breakpoints(due: date, end: date, payments, compound: bool, extra=()):
    """First accrual days where the rate, the principal or the basis may change."""
    points = {due + timedelta(days=1), end + timedelta(days=1)}
    start = _next_half_year(half_year_start(due + timedelta(days=1)))
    while start <= end:
        points.add(start)
        start = _next_half_year(start)
    for paid_on, _amount in payments:
        points.add(paid_on + timedelta(days=1))
    if compound:
        years = 1
        while (anniversary := add_months(due, 12 * years)) < end:
            points.add(anniversary + timedelta(days=1))
            years += 1
    points.update(extra)
    return sorted(point for point in points if due < point <= end + timedelta(days=1))


def interest_lines(
    amount,
    due: date,
    start: date,
    end: date,
    rate_on: Callable[[date], Decimal],
    payments: Sequence[tuple[date, Decimal]] = (),
    compound: bool = False,
    digits: int = 2,
    interest_paid: Sequence[tuple[date, date, date, Fraction]] = (),
) -> list[InterestLine]:
    """The interest lines of an invoice of ``amount`` due on ``due``, for the accrual days after
    ``start`` up to ``end`` included (``start`` is the due date, or the last day already charged).

    ``payments`` are ``(date, amount)`` received on the invoice; each stops the interest on the
    part it paid from the day after it. With ``compound`` (Dutch law, art. 6:119 BW), the
    interest of each full year since the due date is added to the basis at its anniversary;
    payments reduce the principal first. Only the interest still owed is added:
    ``interest_paid`` are ``(paid_on, date_from, date_to, share)``, the ``share`` (0 to 1) of
    this invoice's interest from ``date_from`` to ``date_to`` that was paid (or waived) on
    ``paid_on``; it leaves the basis from the day after, exactly as it accrued (so paying what
    was charged leaves no rounding cent to compound). Lines are split where the rate or the basis changes
    and are computed over the whole history, so charging in several periods gives the same
    lines as charging once (up to the cut itself).

    :raises MissingRate: when a half-year of the period has no rate.
    """
    start = max(start, due)
    if end <= start:
        return []
    payments = sorted((paid_on, to_decimal(paid)) for paid_on, paid in payments)
    principal0 = to_decimal(amount)
    interest_paid = sorted(interest_paid) if compound else []
    extra = {start + timedelta(days=1)} | {paid[0] + timedelta(days=1) for paid in interest_paid}
    points = _breakpoints(due, end, payments, compound, extra=extra)
    history = []  # (first day, last day, exact interest) of every accrual segment so far
    capitalised = Fraction(0)
    year_interest = Fraction(0)
    next_anniversary = add_months(due, 12) if compound else None
    years = 1
    raw = []  # (first day, last day, rate, basis, exact interest)
    for first, stop in itertools.pairwise(points):
        last = stop - timedelta(days=1)
        principal = principal0 - sum((paid for paid_on, paid in payments if paid_on < first), Decimal(0))
        principal = max(principal, Decimal(0))
        # Art. 6:119 BW adds the interest owed over each year: what was paid of it is not owed.
        paid = _interest_paid_before(first, interest_paid, history) if interest_paid else 0
        basis = Fraction(principal) + max(capitalised - paid, Fraction(0))
        if basis > 0:
            rate = rate_on(first)
            days = (last - first).days + 1
            exact = basis * Fraction(rate) / 100 * days / DAYS_IN_YEAR
            year_interest += exact
            history.append((first, last, exact))
            if first > start:
                raw.append((first, last, rate, basis, exact))
        if compound and last == next_anniversary:
            capitalised += year_interest
            year_interest = Fraction(0)
            years += 1
            next_anniversary = add_months(due, 12 * years)
    merged = []
    for first, last, rate, basis, exact in raw:
        if (
            merged
            and merged[-1][2] == rate
            and merged[-1][3] == basis
            and merged[-1][1] + timedelta(1) == first
        ):
            previous = merged[-1]
            merged[-1] = (previous[0], last, rate, basis, previous[4] + exact)
        else:
            merged.append((first, last, rate, basis, exact))
    lines = []
    for first, last, rate, basis, exact in merged:
        amount_line = _round_fraction(exact, digits)
        if amount_line:
            lines.append(InterestLine(first, last, rate, _round_fraction(basis, digits), amount_line))
    return lines


def _interest_paid_before(day: date, interest_paid, history) -> Fraction:
    """The exact interest paid before ``day``: each paid period's share of what accrued in it
    (a segment partly in the period counts for its days in it)."""
    total = Fraction(0)
    for paid_on, date_from, date_to, share in interest_paid:
        if paid_on >= day:
            break
        for first, last, exact in history:
            overlap = (min(last, date_to) - max(first, date_from)).days + 1
            if overlap > 0:
                total += Fraction(share) * exact * overlap / ((last - first).days + 1)
    return total


def compensation(rule: str, amount) -> Decimal:
    """The fixed compensation of one late invoice under a compensation rule (see RULES)."""
    return fixed_compensation(rule, amount)


def wik_allowed(letter_date: date | None, receipt_days: int, on_date: date) -> bool:
    """Whether Dutch collection costs may be charged to a consumer on ``on_date``.

    Art. 6:96 lid 6 BW: only after a letter giving 14 days to pay, counted from the day after
    its receipt (assumed ``receipt_days`` after ``letter_date``), and only once those 14 days
    have passed without payment.
    """
    if not letter_date:
        return False
    receipt = letter_date + timedelta(days=max(receipt_days, 0))
    return on_date > receipt + timedelta(days=14)


def wik_split(amounts: Sequence, digits: int = 2) -> list[Decimal]:
    """WIK costs on the total of several invoices claimed together, split over them in
    proportion to their amounts (the scale applies to the whole claim, not to each invoice)."""
    amounts = [to_decimal(amount) for amount in amounts]
    total = sum(amounts, Decimal(0))
    if total <= 0:
        return [Decimal(0).quantize(Decimal(1).scaleb(-digits)) for _amount in amounts]
    return split_by_weights(wik_collection_costs(total), amounts, digits)
