import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from account_collection.tools import money, payment_plan
from hypothesis import assume, given
from hypothesis import strategies as st

D = Decimal

digits = st.integers(min_value=0, max_value=3)
totals = st.decimals(min_value=D("0.01"), max_value=10**8, places=3, allow_nan=False)


@given(total=totals, count=st.integers(min_value=1, max_value=60), digits=digits, down=st.floats(0, 0.9))
def test_split_by_count_sums_exactly_last_absorbs(total, count, digits, down):
    rounded = money.round_money(total, digits)
    assume(rounded > 0)
    down_payment = money.round_money(rounded * D(str(down)), digits)
    assume(down_payment < rounded)
    parts = payment_plan.split_plan(total, count=count, down_payment=down_payment, digits=digits)
    unit = D(1).scaleb(-digits)

    assert sum(parts) == rounded
    assert all(part == part.quantize(unit) for part in parts)
    instalments = parts[1:] if down_payment else parts
    assert len(instalments) == count
    if down_payment:
        assert parts[0] == down_payment
    # The instalments are equal but the last, which takes the cents (less than one per instalment).
    assert len(set(instalments[:-1])) <= 1
    assert 0 <= instalments[-1] - instalments[0] < unit * count


@given(total=totals, amount=totals, digits=digits)
def test_split_by_amount_sums_exactly_last_absorbs(total, amount, digits):
    rounded = money.round_money(total, digits)
    per = money.round_money(amount, digits)
    assume(rounded > 0 and per > 0 and rounded / per < 500)
    parts = payment_plan.split_plan(total, amount=amount, digits=digits)

    assert sum(parts) == rounded
    assert all(part == per for part in parts[:-1])
    assert 0 < parts[-1] <= per


@pytest.mark.parametrize(
    "kwargs",
    [
        {"total": 0, "count": 2},
        {"total": -10, "count": 2},
        {"total": 100, "count": 0},
        {"total": 100, "count": -1},
        {"total": 100, "amount": 0},
        {"total": 100, "amount": -5},
        {"total": 100},
        {"total": 100, "count": 2, "amount": 10},
        {"total": 100, "count": 2, "down_payment": 100},
        {"total": 100, "count": 2, "down_payment": -1},
    ],
)
def test_split_refuses_nonsense(kwargs):
    with pytest.raises(ValueError):
        payment_plan.split_plan(**kwargs)


def test_split_example():
    assert payment_plan.split_plan(D("100.00"), count=3) == [D("33.33"), D("33.33"), D("33.34")]
    assert payment_plan.split_plan(D("1000"), amount=D("300"), down_payment=D("100")) == [
        D("100"),
        D("300"),
        D("300"),
        D("300"),
    ]


amount_lists = st.lists(st.decimals(min_value=D("0.01"), max_value=10**5, places=2), min_size=1, max_size=24)


@given(
    amounts=amount_lists,
    paid=st.decimals(min_value=0, max_value=10**7, places=2),
    offset=st.integers(-800, 800),
)
def test_states_allocate_oldest_first(amounts, paid, offset):
    start = date(2026, 1, 1)
    dates = [start + timedelta(days=30 * index) for index in range(len(amounts))]
    today = start + timedelta(days=offset)
    states = payment_plan.instalment_states(amounts, dates, paid, today)

    assert sum(s.paid for s in states) == min(paid, sum(amounts))
    # Oldest first: an instalment gets something only when every earlier one is paid in full.
    for earlier, later in itertools.pairwise(states):
        if later.paid > 0:
            assert earlier.state == "paid"
    for state in states:
        assert 0 <= state.paid <= state.amount
        assert (state.state == "paid") == (state.paid == state.amount)
        if state.state != "paid":
            assert state.state == (
                "overdue" if state.due_date < today else ("partial" if state.paid else "due")
            )


def test_overpayment_goes_to_the_next_instalments_and_break_after_grace():
    dates = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    states = payment_plan.instalment_states([100, 100, 100], dates, 150, date(2026, 1, 15))
    assert [s.state for s in states] == ["paid", "partial", "due"]
    assert [s.paid for s in states] == [100, 50, 0]
    late = payment_plan.instalment_states([100, 100, 100], dates, 150, date(2026, 2, 10))
    assert [s.state for s in late] == ["paid", "overdue", "due"]
    assert payment_plan.first_broken(late, date(2026, 2, 10), grace_days=10) is None
    assert payment_plan.first_broken(late, date(2026, 2, 12), grace_days=10) == 1
