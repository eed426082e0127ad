"""What a customer receives next, when and why: the escalation decision, over plain data.

Reminders go to customers, not to invoices. A customer's *sequence* starts with the first
reminder after a due date and climbs the policy's after-due levels one at a time, never more
often than the policy's minimum interval, and never back down while anything overdue is still
open. It ends when nothing overdue is left; the next overdue item starts at the first level again.

Courtesy reminders (a level on or before the due date) are outside the sequence: they list only
items not yet due, once per item, and only for a customer who is not in a sequence (his next
reminder lists his coming-due items in a section of their own instead).

The amount claimed is what is overdue, per receivable item (an instalment is an item of its own),
net of the customer's credits (credit notes, unallocated payments) in the same currency; credits
cover the oldest items first, and the oldest item they leave uncovered gives the customer's days
late.

Nothing here touches a database: :func:`decide` takes the customer's open items, his escalation
state, the policy and today, and returns a :class:`Decision`. The autopilot's run, its preview and
the cockpit all ask it, so they cannot disagree.
"""

from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from .schedule import days_late

__all__ = [
    "Decision",
    "Item",
    "Level",
    "Policy",
    "State",
    "advance",
    "decide",
]

# Reasons a decision gives, in the words the models translate.
DUE = "due"  # the reminder is due today
WAITING_DAYS = "waiting_days"  # the oldest item has not yet reached the level's days
WAITING_INTERVAL = "waiting_interval"  # too soon after the last reminder
COURTESY = "courtesy"  # a courtesy reminder is planned
PAUSED_BY_HAND = "paused_by_hand"  # the customer is paused until a date
ITEMS_PAUSED = "items_paused"  # everything overdue is paused (dispute, promise, exclusion, ...)
NO_AUTO = "no_auto"  # no automatic reminders for this customer
COVERED = "covered"  # credits cover what is overdue
BELOW_MINIMUM = "below_minimum"  # what is overdue is not above the policy's minimum
END_OF_POLICY = "end_of_policy"  # past the policy's last level: the policy's suggestion applies
NOTHING = "nothing"  # nothing overdue, nothing coming due in the courtesy window
NO_LEVELS = "no_levels"  # the policy has no level

DUNNING = "dunning"
COURTESY_KIND = "courtesy"


@dataclass(frozen=True)
class Level:
    """A level of the policy: ``key`` identifies it (a database id), ``offset`` is in days from
    the due date (on or before it for a courtesy level)."""

    key: Hashable
    offset: int


@dataclass(frozen=True)
class Policy:
    """The levels (any order), the minimum interval in days between two reminders, and the
    minimum amount (company currency) the net overdue must exceed to be chased."""

    levels: Sequence[Level]
    min_interval: int = 1
    minimum_amount: float = 0.0

    @property
    def dunning(self) -> list[Level]:
        return sorted((level for level in self.levels if level.offset > 0), key=lambda level: level.offset)

    @property
    def courtesy(self) -> Level | None:
        before = [level for level in self.levels if level.offset <= 0]
        return min(before, key=lambda level: level.offset) if before else None


@dataclass(frozen=True)
class Item:
    """One open receivable item of the customer.

    ``amount`` is the residual in the item's ``currency`` (positive: owed by the customer,
    negative: a credit), ``amount_company`` the same in company currency. ``debt`` is true for
    items that can be claimed (customer invoices); credits are any negative item. ``paused``
    names why the item is left alone (empty: it is not). ``last_listed`` is the last date the
    item's document was listed in a reminder.
    """

    key: Hashable
    currency: Hashable
    amount: float
    amount_company: float
    date_due: date | None
    debt: bool = True
    paused: str = ""
    last_listed: date | None = None
    document: Hashable = None


@dataclass(frozen=True)
class State:
    """The customer's escalation state: the index of the current after-due level (``None``:
    not in a sequence), the date of his last reminder, a pending "go to the next level now"
    (a broken promise), a pause by hand until a date included, and "no automatic reminders"."""

    level: int | None = None
    last_date: date | None = None
    force_next: bool = False
    paused_until: date | None = None
    no_auto: bool = False


@dataclass(frozen=True)
class Total:
    """Figures of one currency: overdue (gross), credits deducted, claimed (net), coming due."""

    currency: Hashable
    overdue: float = 0.0
    credits: float = 0.0
    claimed: float = 0.0
    coming: float = 0.0


@dataclass(frozen=True)
class Decision:
    """What the customer receives next.

    ``kind`` is ``"dunning"``, ``"courtesy"`` or ``None`` (nothing planned); ``level`` the
    :class:`Level` and ``index`` its place among the after-due levels (``None`` for a courtesy);
    ``date`` the day it goes out (``None``: nothing planned), ``due`` whether that is today (or
    earlier). ``overdue``, ``credits`` and ``coming`` are the items the reminder lists, in its
    three sections; ``totals`` one :class:`Total` per currency of the reminder. ``reason`` and
    ``reason_values`` say why, ``end_of_policy`` that the customer is past the last level,
    ``ended`` that his previous sequence is over (nothing overdue is left).
    """

    kind: str | None
    level: Level | None
    index: int | None
    date: date | None
    due: bool
    reason: str
    reason_values: dict = field(default_factory=dict)
    overdue: tuple = ()
    credits: tuple = ()
    coming: tuple = ()
    totals: tuple = ()
    claimed_company: float = 0.0
    end_of_policy: bool = False
    ended: bool = False


def _round(amount: float, digits: int = 2) -> float:
    return round(amount + 0.0, digits)


def _net(overdue: list[Item], credits: list[Item], digits):
    """Credits cover the oldest overdue items first, per currency.

    :return: (totals per currency, claimed in company currency, the oldest item left uncovered)
    """
    by_currency = defaultdict(lambda: {"overdue": [], "credit": 0.0, "credit_company": 0.0})
    for item in overdue:
        by_currency[item.currency]["overdue"].append(item)
    for item in credits:
        if item.currency in by_currency:
            by_currency[item.currency]["credit"] += -item.amount
            by_currency[item.currency]["credit_company"] += -item.amount_company
    totals, claimed_company, uncovered = [], 0.0, []
    for currency, values in by_currency.items():
        rounding = digits(currency)
        gross = sum(item.amount for item in values["overdue"])
        gross_company = sum(item.amount_company for item in values["overdue"])
        available = values["credit"]
        for item in sorted(values["overdue"], key=lambda item: (item.date_due, str(item.key))):
            covered = min(available, item.amount)
            available -= covered
            if _round(item.amount - covered, rounding) > 0:
                uncovered.append(item)
        applied = min(values["credit"], gross)
        claimed = _round(gross - applied, rounding)
        share = applied / gross if gross else 0.0
        claimed_company += gross_company * (1 - share)
        totals.append(
            Total(
                currency=currency,
                overdue=_round(gross, rounding),
                credits=_round(applied, rounding),
                claimed=max(claimed, 0.0),
            )
        )
    oldest = min(uncovered, key=lambda item: item.date_due) if uncovered else None
    return totals, _round(claimed_company), oldest


def decide(
    items: Sequence[Item],
    state: State,
    policy: Policy,
    today: date,
    catch_up: bool = False,
    manual: bool = False,
    digits=lambda currency: 2,
) -> Decision:
    """The customer's next reminder (see the module's docstring for the rules).

    :param catch_up: a customer starting a sequence starts at the level his oldest item
        reached, not at the first after-due level (the go-live setting "catch up").
    :param manual: "send now": the next reminder is due today whatever its date, the pause and
        "no automatic reminders"; past the last level, the last level is sent again.
    :param digits: the number of decimals of a currency, for rounding the totals.
    """
    dunning = policy.dunning
    courtesy = policy.courtesy
    if not dunning and not courtesy:
        return Decision(None, None, None, None, False, NO_LEVELS)

    open_overdue = [
        item
        for item in items
        if item.debt and item.amount > 0 and item.date_due and days_late(item.date_due, today) > 0
    ]
    ended = state.level is not None and not open_overdue
    level_index = None if ended else state.level
    chaseable = [item for item in open_overdue if not item.paused]
    credits = [item for item in items if item.amount < 0 and not item.paused]
    not_due = [
        item
        for item in items
        if item.debt
        and item.amount > 0
        and not item.paused
        and item.date_due
        and days_late(item.date_due, today) <= 0
    ]
    window = [
        item
        for item in not_due
        if courtesy is not None and days_late(item.date_due, today) >= courtesy.offset
    ]

    # The earliest day anything may go out: one reminder per interval, after a pause by hand.
    earliest = today
    if state.last_date:
        interval = 1 if (state.force_next or manual) else max(policy.min_interval, 1)
        earliest = max(earliest, state.last_date + timedelta(days=interval))
    if state.paused_until and not manual:
        earliest = max(earliest, state.paused_until + timedelta(days=1))

    base = {"ended": ended}
    blocked = None  # a reason that stops every automatic reminder
    if state.no_auto and not manual:
        blocked = NO_AUTO

    dunning_decision = None
    if chaseable and dunning:
        dunning_decision = _dunning(
            chaseable,
            credits,
            window,
            level_index,
            state,
            policy,
            dunning,
            today,
            earliest,
            catch_up,
            manual,
            digits,
            base,
        )
    elif open_overdue and dunning:
        reasons = sorted({item.paused for item in open_overdue})
        dunning_decision = Decision(
            None, None, level_index, None, False, ITEMS_PAUSED, {"reasons": reasons}, **base
        )

    in_sequence = level_index is not None and bool(open_overdue)
    if dunning_decision and dunning_decision.kind and (dunning_decision.due or in_sequence):
        return _blocked(dunning_decision, blocked)
    if in_sequence:
        # No courtesy reminders inside a sequence: the coming-due items wait for its next reminder.
        return _blocked(dunning_decision, blocked)

    courtesy_decision = _courtesy(not_due, window, courtesy, state, today, earliest, manual, digits, base)
    if courtesy_decision and (
        not dunning_decision
        or not dunning_decision.kind
        or (
            courtesy_decision.date
            and dunning_decision.date
            and courtesy_decision.date < dunning_decision.date
        )
    ):
        return _blocked(courtesy_decision, blocked)
    if dunning_decision:
        return _blocked(dunning_decision, blocked)
    return Decision(None, None, None, None, False, NOTHING, **base)


def _blocked(decision: Decision, reason: str | None) -> Decision:
    if not reason or not decision.kind:
        return decision
    return replace(decision, date=None, due=False, reason=reason, reason_values={})


def _dunning(
    chaseable,
    credits,
    window,
    level_index,
    state,
    policy,
    dunning,
    today,
    earliest,
    catch_up,
    manual,
    digits,
    base,
):
    totals, claimed_company, oldest = _net(chaseable, credits, digits)
    listed = {
        "overdue": tuple(sorted(chaseable, key=lambda item: (item.date_due, str(item.key)))),
        "credits": tuple(item for item in credits if item.currency in {total.currency for total in totals}),
        "coming": tuple(sorted(window, key=lambda item: (item.date_due, str(item.key)))),
    }
    coming = defaultdict(float)
    for item in window:
        coming[item.currency] += item.amount
    totals = tuple(
        replace(total, coming=_round(coming.get(total.currency, 0.0), digits(total.currency)))
        for total in totals
    )
    figures = {**listed, "totals": totals, "claimed_company": claimed_company, **base}
    if oldest is None:
        return Decision(None, None, level_index, None, False, COVERED, **figures)
    if claimed_company <= policy.minimum_amount:
        return Decision(
            None, None, level_index, None, False, BELOW_MINIMUM, {"minimum": policy.minimum_amount}, **figures
        )
    late = days_late(oldest.date_due, today)
    if level_index is None:
        index = 0
        if catch_up:
            reached = [position for position, level in enumerate(dunning) if level.offset <= late]
            index = reached[-1] if reached else 0
    else:
        index = level_index + 1
    if index >= len(dunning):
        last = len(dunning) - 1
        if manual:
            return Decision(DUNNING, dunning[last], last, today, True, DUE, **figures)
        return Decision(None, None, level_index, None, False, END_OF_POLICY, **figures, end_of_policy=True)
    level = dunning[index]
    if manual:
        when = today
        reason, values = DUE, {}
    else:
        by_days = oldest.date_due + timedelta(days=level.offset)
        if state.force_next:
            by_days = today
        when = max(by_days, earliest)
        if when <= today:
            reason, values = DUE, {}
        elif when == by_days:
            reason, values = WAITING_DAYS, {"days": level.offset, "late": late}
        elif state.paused_until and when == state.paused_until + timedelta(days=1):
            reason, values = PAUSED_BY_HAND, {"until": state.paused_until}
        else:
            reason, values = WAITING_INTERVAL, {"last": state.last_date, "interval": policy.min_interval}
    return Decision(DUNNING, level, index, when, when <= today, reason, values, **figures)


def _courtesy(not_due, window, courtesy, state, today, earliest, manual, digits, base):
    if courtesy is None:
        return None
    # An item gets one courtesy reminder: not if its document was listed since its window opened.
    fresh = [
        item
        for item in not_due
        if not item.last_listed or item.last_listed < item.date_due + timedelta(days=courtesy.offset)
    ]
    if manual:
        candidates = window or not_due
        if not candidates:
            return None
        return _courtesy_decision(candidates, courtesy, today, DUE, {}, digits, base)
    for item in sorted(fresh, key=lambda item: (item.date_due, str(item.key))):
        opens = item.date_due + timedelta(days=courtesy.offset)
        when = max(opens, earliest)
        if when > item.date_due:
            continue  # too late for a courtesy reminder: the item will be in the sequence instead
        if when <= today:
            listed = [candidate for candidate in window if candidate in fresh]
            return _courtesy_decision(listed, courtesy, today, DUE, {}, digits, base)
        return _courtesy_decision(
            [], courtesy, when, COURTESY, {"date_due": item.date_due}, digits, base, today
        )
    return None


def _courtesy_decision(listed, courtesy, when, reason, values, digits, base, today=None):
    coming = defaultdict(float)
    for item in listed:
        coming[item.currency] += item.amount
    totals = tuple(
        Total(currency=currency, coming=_round(amount, digits(currency)))
        for currency, amount in coming.items()
    )
    return Decision(
        COURTESY_KIND,
        courtesy,
        None,
        when,
        today is None or when <= today,
        reason,
        values,
        coming=tuple(sorted(listed, key=lambda item: (item.date_due, str(item.key)))),
        totals=totals,
        **base,
    )


def advance(state: State, decision: Decision, today: date) -> State:
    """The customer's state once ``decision`` was sent today."""
    if decision.kind == DUNNING:
        return replace(state, level=decision.index, last_date=today, force_next=False)
    if decision.kind == COURTESY_KIND:
        return replace(state, level=None if decision.ended else state.level, last_date=today)
    return replace(state, level=None) if decision.ended else state
