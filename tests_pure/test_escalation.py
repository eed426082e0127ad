"""The escalation decision: what a customer receives next, over weeks of daily runs."""

from dataclasses import replace
from datetime import date, timedelta

from account_collection.tools import escalation as esc
from hypothesis import given
from hypothesis import strategies as st

STANDARD = esc.Policy(
    levels=[esc.Level("courtesy", -3), esc.Level("first", 3), esc.Level("second", 7), esc.Level("last", 11)],
    min_interval=4,
)
D = date(2026, 3, 1)


def item(key, amount, due, currency="EUR", debt=True, paused="", company=None, last_listed=None):
    return esc.Item(
        key=key,
        currency=currency,
        amount=amount,
        amount_company=amount if company is None else company,
        date_due=due,
        debt=debt,
        paused=paused,
        last_listed=last_listed,
        document=key if not isinstance(key, tuple) else key[0],
    )


def simulate(invoices, policy, start, days, state=None, payments=None, catch_up_first=False):
    """Daily runs from `start` for `days` days over `invoices` (a list of (key, amount, due,
    issued)); `payments` maps a day to the keys paid that day. Returns what was sent, in order:
    a list of (day, decision)."""
    state = state or esc.State()
    payments = payments or {}
    paid = set()
    listed = {}
    sent = []
    for offset in range(days):
        today = start + timedelta(days=offset)
        paid |= set(payments.get(today, ()))
        items = [
            item(key, amount, due, last_listed=listed.get(key))
            for key, amount, due, issued in invoices
            if issued <= today and key not in paid
        ]
        decision = esc.decide(items, state, policy, today, catch_up=catch_up_first and offset == 0)
        if decision.due:
            sent.append((today, decision))
            for listed_item in (*decision.overdue, *decision.coming):
                listed[listed_item.key] = today
            state = esc.advance(state, decision, today)
        elif decision.ended:
            state = esc.advance(state, decision, today)
    return sent


def test_standard_schedule_of_one_invoice():
    sent = simulate([("INV1", 1000.0, D, D - timedelta(days=30))], STANDARD, D - timedelta(days=10), 40)
    assert [(day - D).days for day, _decision in sent] == [-3, 3, 7, 11]
    assert [decision.level.key for _day, decision in sent] == ["courtesy", "first", "second", "last"]
    courtesy = sent[0][1]
    assert courtesy.kind == esc.COURTESY_KIND and not courtesy.overdue and len(courtesy.coming) == 1
    assert sent[1][1].totals[0].claimed == 1000.0


def test_first_run_over_an_old_book_starts_at_the_first_level():
    old = [("OLD", 500.0, D - timedelta(days=130), D - timedelta(days=160))]
    sent = simulate(old, STANDARD, D, 20)
    assert [decision.level.key for _day, decision in sent] == ["first", "second", "last"]
    assert [(day - D).days for day, _decision in sent] == [0, 4, 8]


def test_catch_up_starts_at_the_level_reached():
    old = [("OLD", 500.0, D - timedelta(days=130), D - timedelta(days=160))]
    sent = simulate(old, STANDARD, D, 20, catch_up_first=True)
    assert [decision.level.key for _day, decision in sent] == ["last"]
    # Not yet at the first level: catching up sends nothing before its days.
    young = [item("YOUNG", 100.0, D - timedelta(days=2))]
    decision = esc.decide(young, esc.State(), STANDARD, D, catch_up=True)
    assert not decision.due and decision.date == D + timedelta(days=1)


def test_two_instalments():
    # 800 in two instalments of 400, due on D and D + 30.
    invoices = [
        (("INV", D), 400.0, D, D - timedelta(days=20)),
        (("INV", D + timedelta(30)), 400.0, D + timedelta(30), D - timedelta(days=20)),
    ]
    decision = esc.decide(
        [item(key, amount, due) for key, amount, due, _issued in invoices],
        esc.State(),
        STANDARD,
        D + timedelta(days=3),
    )
    assert decision.due and decision.totals[0].claimed == 400.0
    assert [listed.key for listed in decision.overdue] == [("INV", D)]
    # The first instalment is paid after the first reminder: the second one gets its own courtesy.
    sent = simulate(
        invoices, STANDARD, D + timedelta(days=3), 50, payments={D + timedelta(days=5): [("INV", D)]}
    )
    kinds = [(day - D).days for day, _decision in sent]
    assert kinds[0] == 3
    assert (27, "courtesy") in [((day - D).days, decision.level.key) for day, decision in sent]
    assert (33, "first") in [((day - D).days, decision.level.key) for day, decision in sent]


def test_credits_cover_the_overdue_amount():
    items = [
        item("INV", 400.0, D - timedelta(days=20)),
        item("CN", -400.0, D - timedelta(days=5), debt=False),
    ]
    decision = esc.decide(items, esc.State(), STANDARD, D)
    assert not decision.due and decision.reason == esc.COVERED
    # Another currency's credit covers nothing.
    items[1] = item("CN", -400.0, D - timedelta(days=5), currency="USD", debt=False)
    decision = esc.decide(items, esc.State(), STANDARD, D)
    assert decision.due and decision.totals[0].claimed == 400.0 and not decision.credits


def test_partial_credit_and_minimum_amount():
    items = [
        item("INV", 400.0, D - timedelta(days=20)),
        item("PAY", -350.0, D - timedelta(days=5), debt=False),
    ]
    decision = esc.decide(items, esc.State(), STANDARD, D)
    assert decision.due and decision.totals[0].claimed == 50.0 and decision.totals[0].credits == 350.0
    decision = esc.decide(items, esc.State(), replace(STANDARD, minimum_amount=50.0), D)
    assert not decision.due and decision.reason == esc.BELOW_MINIMUM


def test_totals_per_currency():
    items = [
        item("A", 100.0, D - timedelta(days=10), currency="EUR"),
        item("B", 250.0, D - timedelta(days=10), currency="USD", company=200.0),
    ]
    decision = esc.decide(items, esc.State(), STANDARD, D)
    assert {(total.currency, total.claimed) for total in decision.totals} == {("EUR", 100.0), ("USD", 250.0)}
    assert decision.claimed_company == 300.0


def test_courtesy_not_mixed_and_not_sent_in_a_sequence():
    late = item("LATE", 100.0, D - timedelta(days=20))
    soon = item("SOON", 100.0, D + timedelta(days=2))
    # In a sequence: the next reminder lists the coming-due invoice in its own section.
    state = esc.State(level=0, last_date=D - timedelta(days=2))
    decision = esc.decide([late, soon], state, STANDARD, D)
    assert not decision.due and decision.kind == esc.DUNNING
    assert decision.date == D + timedelta(days=2)
    decision = esc.decide([late, soon], state, STANDARD, D + timedelta(days=2))
    assert [i.key for i in decision.overdue] == ["LATE"] and [i.key for i in decision.coming] == ["SOON"]
    # Not in a sequence: a courtesy lists only what is not yet due.
    decision = esc.decide([item("YOUNG", 50.0, D - timedelta(days=1)), soon], esc.State(), STANDARD, D)
    assert decision.kind == esc.COURTESY_KIND and decision.due
    assert [i.key for i in decision.coming] == ["SOON"] and not decision.overdue


def test_paused_and_no_auto():
    late = item("LATE", 100.0, D - timedelta(days=20), paused="dispute")
    decision = esc.decide([late], esc.State(), STANDARD, D)
    assert not decision.due and decision.reason == esc.ITEMS_PAUSED
    late = item("LATE", 100.0, D - timedelta(days=20))
    decision = esc.decide([late], esc.State(paused_until=D + timedelta(days=5)), STANDARD, D)
    assert decision.date == D + timedelta(days=6) and decision.reason == esc.PAUSED_BY_HAND
    decision = esc.decide([late], esc.State(no_auto=True), STANDARD, D)
    assert not decision.due and decision.reason == esc.NO_AUTO
    manual = esc.decide([late], esc.State(no_auto=True), STANDARD, D, manual=True)
    assert manual.due and manual.level.key == "first"


def test_end_of_policy_and_sequence_end():
    late = item("LATE", 100.0, D - timedelta(days=40))
    decision = esc.decide([late], esc.State(level=2, last_date=D - timedelta(days=10)), STANDARD, D)
    assert decision.end_of_policy and not decision.due and decision.reason == esc.END_OF_POLICY
    manual = esc.decide([late], esc.State(level=2, last_date=D), STANDARD, D, manual=True)
    assert manual.due and manual.level.key == "last"
    # Everything paid: the sequence is over, the next overdue invoice starts at the first level.
    ended = esc.decide([], esc.State(level=2, last_date=D - timedelta(days=10)), STANDARD, D)
    assert ended.ended and esc.advance(esc.State(level=2), ended, D).level is None


def test_broken_promise_goes_on_at_once():
    late = item("LATE", 100.0, D - timedelta(days=4))
    state = esc.State(level=0, last_date=D - timedelta(days=1), force_next=True)
    decision = esc.decide([late], state, STANDARD, D)
    assert decision.due and decision.level.key == "second"


# ---- properties over random books and daily runs ---------------------------------------------

invoice_books = st.lists(
    st.tuples(
        st.integers(min_value=-60, max_value=80),  # issued, days from D
        st.integers(min_value=0, max_value=60),  # payment term in days
        st.integers(min_value=1, max_value=5000),  # amount
        st.one_of(st.none(), st.integers(min_value=0, max_value=120)),  # paid after issue (days), or never
    ),
    min_size=1,
    max_size=12,
)
policies = st.builds(
    lambda offsets, courtesy, interval: esc.Policy(
        levels=[esc.Level(f"L{offset}", offset) for offset in sorted(set(offsets))]
        + ([esc.Level("C", courtesy)] if courtesy is not None else []),
        min_interval=interval,
    ),
    st.lists(st.integers(min_value=1, max_value=120), min_size=1, max_size=6),
    st.one_of(st.none(), st.integers(min_value=-10, max_value=0)),
    st.integers(min_value=1, max_value=15),
)


def _book(raw):
    invoices, payments = [], {}
    for number, (issued, term, amount, paid_after) in enumerate(raw):
        issue = D + timedelta(days=issued)
        invoices.append((f"I{number}", float(amount), issue + timedelta(days=term), issue))
        if paid_after is not None:
            payments.setdefault(issue + timedelta(days=paid_after), []).append(f"I{number}")
    return invoices, payments


@given(invoice_books, policies)
def test_properties_over_daily_runs(raw, policy):
    invoices, payments = _book(raw)
    sent = simulate(invoices, policy, D - timedelta(days=70), 260, payments=payments)
    dunning = policy.dunning
    previous_day, previous_index = None, None
    for day, decision in sent:
        # At most one reminder per minimum interval.
        if previous_day is not None:
            assert (day - previous_day).days >= policy.min_interval
        if decision.kind == esc.DUNNING:
            # No level skipped: the first, or one above the previous one.
            assert decision.index in (0, (previous_index or 0) + 1) or (
                previous_index is not None and decision.index == previous_index + 1
            )
            if previous_index is not None and decision.index != 0:
                assert decision.index == previous_index + 1
            assert decision.overdue and all(total.claimed > 0 for total in decision.totals if total.overdue)
            assert dunning[decision.index] == decision.level
            previous_index = decision.index
        else:
            # A courtesy reminder lists only what is not yet due.
            assert not decision.overdue and all(listed.date_due >= day for listed in decision.coming)
        previous_day = day


@given(invoice_books, policies)
def test_tone_never_goes_down_while_unpaid(raw, policy):
    """Without payments, the level of the reminders only climbs, one at a time."""
    invoices, _payments = _book(raw)
    sent = simulate(invoices, policy, D - timedelta(days=70), 260)
    indexes = [decision.index for _day, decision in sent if decision.kind == esc.DUNNING]
    assert indexes == list(range(len(indexes)))
    assert len(indexes) <= len(policy.dunning)


@given(
    st.lists(st.integers(min_value=1, max_value=5000), min_size=1, max_size=6),
    st.integers(min_value=0, max_value=3000),
    st.integers(min_value=1, max_value=200),
)
def test_nothing_sent_when_credits_cover(amounts, extra, late):
    items = [item(f"I{n}", float(amount), D - timedelta(days=late)) for n, amount in enumerate(amounts)]
    items.append(item("CN", -float(sum(amounts) + extra), D - timedelta(days=1), debt=False))
    for state in (esc.State(), esc.State(level=0, last_date=D - timedelta(days=30))):
        decision = esc.decide(items, state, STANDARD, D)
        assert not decision.due and decision.reason == esc.COVERED


@given(
    st.lists(
        st.tuples(st.integers(min_value=1, max_value=5000), st.integers(min_value=-20, max_value=200)),
        min_size=1,
        max_size=8,
    ),
    st.integers(min_value=0, max_value=4000),
)
def test_claimed_is_overdue_less_credits(raw, credit):
    items = [item(f"I{n}", float(amount), D - timedelta(days=late)) for n, (amount, late) in enumerate(raw)]
    items.append(item("CN", -float(credit), D, debt=False))
    decision = esc.decide(items, esc.State(), STANDARD, D, manual=True)
    overdue = sum(amount for amount, late in raw if late > 0)
    if decision.kind == esc.DUNNING:
        total = decision.totals[0]
        assert total.overdue == overdue
        assert total.claimed == round(max(overdue - credit, 0), 2)
        assert sum(i.amount for i in decision.overdue) == overdue
