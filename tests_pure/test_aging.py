from datetime import date
from decimal import Decimal

from account_collection.tools.aging import AGING_BUCKETS, age_items
from hypothesis import given
from hypothesis import strategies as st


def test_hand_computed_statement():
    today = date(2026, 6, 30)
    items = [
        ("not yet due", date(2026, 7, 15), 100),
        ("due today", date(2026, 6, 30), 50),
        ("1 day", date(2026, 6, 29), 10.10),
        ("30 days", date(2026, 5, 31), 20),
        ("31 days", date(2026, 5, 30), 30),
        ("60 days", date(2026, 5, 1), 40),
        ("61 days", date(2026, 4, 30), 60),
        ("90 days", date(2026, 4, 1), 70),
        ("91 days", date(2026, 3, 31), 1000),
        ("credit note", date(2026, 3, 1), -250.05),
        ("payment", None, -75),
    ]
    aged, totals = age_items(items, today)
    assert [item.days_late for item in aged] == [-15, 0, 1, 30, 31, 60, 61, 90, 91, 121, 0]
    assert [item.bucket for item in aged] == [
        "not_due",
        "not_due",
        "1_30",
        "1_30",
        "31_60",
        "31_60",
        "61_90",
        "61_90",
        "over_90",
        "over_90",
        "not_due",
    ]
    assert totals == {
        "not_due": Decimal("75.00"),
        "1_30": Decimal("30.10"),
        "31_60": Decimal("70.00"),
        "61_90": Decimal("130.00"),
        "over_90": Decimal("749.95"),
        "total": Decimal("1055.05"),
    }


def test_empty_statement():
    aged, totals = age_items([], date(2026, 1, 1))
    assert aged == []
    assert set(totals) == {*AGING_BUCKETS, "total"}
    assert all(value == 0 for value in totals.values())


@given(
    st.lists(
        st.tuples(
            st.integers(),
            st.one_of(st.none(), st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1))),
            st.decimals(min_value=-(10**9), max_value=10**9, places=2),
        ),
        max_size=30,
    )
)
def test_buckets_add_up_to_the_balance(items):
    aged, totals = age_items(items, date(2026, 6, 30))
    assert sum(totals[bucket] for bucket in AGING_BUCKETS) == totals["total"]
    assert totals["total"] == sum((Decimal(amount) for _key, _due, amount in items), Decimal(0))
    assert len(aged) == len(items)
