"""Aging of open receivable items for customer statements.

An item is anything still open on the customer's account: an invoice (positive), a credit
note or a payment not yet allocated (negative). Each is placed in the bucket of its days
late on the statement date; the buckets and the balance are summed per currency by the
caller (a statement shows one aging row per currency).
"""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .money import round_money
from .schedule import AGING_BUCKETS, aging_bucket, days_late

__all__ = ["AGING_BUCKETS", "AgedItem", "age_items"]


@dataclass(frozen=True)
class AgedItem:
    """One open item on the statement date."""

    key: Hashable
    date_due: date | None
    amount: Decimal
    days_late: int
    bucket: str


def age_items(
    items: Iterable[tuple[Hashable, date | None, object]], today: date, digits: int = 2
) -> tuple[list[AgedItem], dict[str, Decimal]]:
    """Age ``items`` (``(key, due date, amount)``) on ``today``.

    Items without a due date (a payment has none of its own) count as not due: nothing in
    them is late. Amounts are rounded to ``digits`` decimals before they are summed, so the
    buckets always add up exactly to the balance.

    :return: the aged items in the order given, and the totals: one entry per bucket of
        :data:`AGING_BUCKETS` plus ``"total"`` (the balance).
    """
    aged = []
    totals = dict.fromkeys((*AGING_BUCKETS, "total"), round_money(0, digits))
    for key, date_due, amount in items:
        amount = round_money(amount, digits)
        late = days_late(date_due, today) if date_due else 0
        bucket = aging_bucket(late)
        aged.append(AgedItem(key, date_due, amount, late, bucket))
        totals[bucket] += amount
        totals["total"] += amount
    return aged, totals
