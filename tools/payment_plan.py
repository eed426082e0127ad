"""Payment plans without the ORM: the split of a total into instalments and where each
instalment stands once the customer has paid part of it.

Amounts are handled as :class:`~decimal.Decimal` in the currency's decimals (``digits``), so
that the instalments always add up to the total to the cent.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from . import money

__all__ = ["Instalment", "first_broken", "instalment_states", "split_plan"]


def split_plan(total, count=None, amount=None, down_payment=0, digits=2) -> list[Decimal]:
    """The instalments of a plan over ``total``: the down payment first (when there is one), then
    either ``count`` equal instalments or instalments of ``amount`` each; the last one absorbs the
    cents (and, with ``amount``, whatever remains).

    :raises ValueError: when the total is not positive, when neither or both of ``count`` and
        ``amount`` are given, when they are not positive, or when the down payment is negative
        or not smaller than the total.
    """
    total = money.round_money(total, digits)
    down_payment = money.round_money(down_payment or 0, digits)
    if total <= 0:
        raise ValueError("a payment plan covers a positive total")
    if down_payment < 0 or down_payment >= total:
        raise ValueError("the down payment is positive and smaller than the total")
    if (count is None) == (amount is None):
        raise ValueError("give either a number of instalments or an amount per instalment")
    rest = total - down_payment
    head = [down_payment] if down_payment else []
    if count is not None:
        if not isinstance(count, int) or count < 1:
            raise ValueError("a payment plan has at least one instalment")
        return head + money.split_amount(rest, count, digits)
    amount = money.round_money(amount, digits)
    if amount <= 0:
        raise ValueError("an instalment is a positive amount")
    full, remainder = divmod(rest, amount)
    parts = [amount] * int(full)
    if remainder:
        parts.append(remainder)
    return head + parts


@dataclass(frozen=True)
class Instalment:
    """Where an instalment stands: what it asks, what the payments covered, its state."""

    due_date: date
    amount: Decimal
    paid: Decimal
    state: str  # paid, partial, due (not yet late), overdue


def instalment_states(amounts, dates, paid, today) -> list[Instalment]:
    """Allocate what was ``paid`` on the plan to its instalments, oldest first (an over-payment
    goes on to the next ones), and tell the state of each on ``today``: paid, partial (partly
    paid), due (nothing paid, not yet late) or overdue (past its date and not fully paid)."""
    amounts = [money.to_decimal(value) for value in amounts]
    allocations = money.allocate_oldest_first(max(money.to_decimal(paid), Decimal(0)), amounts)
    result = []
    for due_date, amount, allocated in zip(dates, amounts, allocations, strict=True):
        if allocated >= amount:
            state = "paid"
        elif due_date < today:
            state = "overdue"
        elif allocated > 0:
            state = "partial"
        else:
            state = "due"
        result.append(Instalment(due_date, amount, allocated, state))
    return result


def first_broken(instalments, today, grace_days) -> int | None:
    """Index of the first instalment unpaid more than ``grace_days`` after its date, if any: the
    plan is broken from then on."""
    for index, instalment in enumerate(instalments):
        if instalment.paid < instalment.amount and instalment.due_date + timedelta(days=grace_days) < today:
            return index
    return None
