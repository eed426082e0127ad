"""Money arithmetic that never loses or invents a cent.

Every function works on :class:`decimal.Decimal` amounts. Splits are computed on whole
units of the smallest currency subdivision (integers), so the parts always add up to the
rounded total exactly, whatever the context precision of :mod:`decimal`.
"""

import math
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

__all__ = [
    "allocate_oldest_first",
    "prorate",
    "round_money",
    "split_amount",
    "split_by_weights",
    "to_decimal",
]


def to_decimal(value) -> Decimal:
    """Return ``value`` (Decimal, int, str or float) as a Decimal.

    Floats go through ``str`` so that ``0.1`` becomes ``Decimal('0.1')`` and not its binary
    approximation: Odoo hands monetary fields over as floats.
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, (int, str)):
        return Decimal(value)
    raise TypeError(f"cannot use {value!r} ({type(value).__name__}) as an amount")


def _check_digits(digits: int) -> None:
    if not isinstance(digits, int) or digits < 0:
        raise ValueError(f"digits must be a non-negative integer, not {digits!r}")


def round_money(amount, digits: int = 2) -> Decimal:
    """Round ``amount`` half-up (away from zero on ties) to ``digits`` decimals.

    Half-up is the rounding Odoo's currencies use, so totals computed here match the
    amounts the accounting shows.
    """
    _check_digits(digits)
    return to_decimal(amount).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _to_units(amount, digits: int) -> int:
    """Rounded amount as an integer number of ``10**-digits`` units."""
    return int(round_money(amount, digits).scaleb(digits))


def _from_units(units: int, digits: int) -> Decimal:
    return Decimal(units).scaleb(-digits)


def _round_fraction(value: Fraction, digits: int) -> Decimal:
    """Round an exact fraction half-up to ``digits`` decimals."""
    scaled = abs(value) * 10**digits
    units = math.floor(scaled + Fraction(1, 2))
    return _from_units(-units if value < 0 else units, digits)


def split_amount(total, count: int, digits: int = 2) -> list[Decimal]:
    """Split ``total`` into ``count`` instalments that add up exactly to the rounded total.

    All instalments but the last are equal (the share truncated towards zero); the last one
    absorbs the rounding remainder, so it is never smaller in size than the others and
    always has the sign of the total: 100.00 in 3 gives 33.33, 33.33, 33.34.

    :raises ValueError: when ``count`` is smaller than 1.
    """
    if not isinstance(count, int) or count < 1:
        raise ValueError(f"cannot split an amount into {count!r} instalments")
    units = _to_units(total, digits)
    sign = -1 if units < 0 else 1
    share = abs(units) // count
    last = abs(units) - share * (count - 1)
    return [_from_units(sign * share, digits)] * (count - 1) + [_from_units(sign * last, digits)]


def split_by_weights(total, weights: Sequence, digits: int = 2) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights`` with the largest-remainder method.

    Each part first gets its exact share truncated to the currency unit; the units still
    missing go one by one to the parts with the largest truncated remainders (the earliest
    part wins a tie), so the result adds up exactly to the rounded total and no part is
    more than one unit away from its exact share. Used, for example, to pro-rate the release
    of a provision over several payments.

    :raises ValueError: when there are no weights, a negative weight, or only zero weights.
    """
    weights = [to_decimal(weight) for weight in weights]
    if not weights:
        raise ValueError("cannot split an amount over no weights")
    if any(weight < 0 for weight in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights, Decimal(0))
    if not weight_sum:
        raise ValueError("cannot split an amount over weights that are all zero")

    units = _to_units(total, digits)
    sign = -1 if units < 0 else 1
    exact = [abs(units) * Fraction(weight) / Fraction(weight_sum) for weight in weights]
    parts = [math.floor(share) for share in exact]
    missing = abs(units) - sum(parts)
    by_remainder = sorted(range(len(parts)), key=lambda i: (parts[i] - exact[i], i))
    for index in by_remainder[:missing]:
        parts[index] += 1
    return [_from_units(sign * part, digits) for part in parts]


def prorate(amount, part, whole, digits: int = 2) -> Decimal:
    """Return ``amount * part / whole`` rounded half-up to ``digits`` decimals.

    The ratio ``part / whole`` is clamped to [0, 1]: a share of an amount is never more
    than the amount (an overpayment releases the whole provision, not more) and never of
    the opposite sign. A ``whole`` of zero gives zero.
    """
    amount, part, whole = to_decimal(amount), to_decimal(part), to_decimal(whole)
    if not whole:
        return _from_units(0, digits)
    ratio = min(max(Fraction(part) / Fraction(whole), Fraction(0)), Fraction(1))
    return _round_fraction(Fraction(amount) * ratio, digits)


def allocate_oldest_first(payment, dues: Iterable) -> list[Decimal]:
    """Allocate ``payment`` over ``dues`` (amounts due, oldest first) in that order.

    Each due is filled completely before the next one gets anything; the result has one
    allocation per due, each between zero and its due, and they add up to
    ``min(payment, sum(dues))``. Whatever exceeds the total due is left unallocated.

    :raises ValueError: when the payment or a due is negative.
    """
    remaining = to_decimal(payment)
    if remaining < 0:
        raise ValueError(f"cannot allocate a negative payment ({payment})")
    allocations = []
    for due in dues:
        due = to_decimal(due)
        if due < 0:
            raise ValueError(f"amounts due must not be negative ({due})")
        allocation = min(due, remaining)
        allocations.append(allocation)
        remaining -= allocation
    return allocations
