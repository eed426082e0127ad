from datetime import date
from decimal import Decimal

import pytest
from account_collection.tools import interest
from hypothesis import given
from hypothesis import strategies as st

D = Decimal


def test_simple_interest_eu_example():
    # 1,000.00 at 12.15% for 30 days (2 to 31 January):
    # 1000 * 0.1215 * 30 / 365 = 3645 / 365 = 9.98630... -> 9.99
    assert interest.simple_interest(D("1000.00"), D("12.15"), date(2024, 1, 1), date(2024, 1, 31)) == D(
        "9.99"
    )


def test_simple_interest_counts_from_the_day_after_the_due_date():
    due = date(2024, 1, 1)
    assert interest.simple_interest(D("1000"), D("10"), due, due) == D("0.00")
    assert interest.simple_interest(D("1000"), D("10"), due, date(2023, 12, 1)) == D("0.00")
    # One day: 1000 * 0.10 / 365 = 0.27397... -> 0.27
    assert interest.simple_interest(D("1000"), D("10"), due, date(2024, 1, 2)) == D("0.27")
    # Actual/365 even in a leap year: 366 days give a little more than the annual rate.
    # 1000 * 0.10 * 366 / 365 = 100.27397... -> 100.27
    assert interest.simple_interest(D("1000"), D("10"), due, date(2025, 1, 1)) == D("100.27")


def test_late_payment_interest_spanning_1_july():
    # ECB main refinancing rate 2.50% on 1 January 2023 and 4.00% on 1 July 2023, + 8 pp.
    periods = interest.eu_reference_rate_periods(
        {date(2023, 7, 1): D("4.00"), date(2023, 1, 1): D("2.50")}, 8
    )
    assert periods == [(date(2023, 1, 1), D("10.50")), (date(2023, 7, 1), D("12.00"))]
    # Due 20 June, paid 10 July: 21-30 June = 10 days at 10.50%, 1-10 July = 10 days at 12%.
    # 10000 * 0.105 * 10 / 365 = 28.7671...; 10000 * 0.12 * 10 / 365 = 32.8767...
    # together 22500 / 365 = 61.6438... -> 61.64 (rounding each part first would give 61.65).
    result = interest.late_payment_interest(D("10000.00"), date(2023, 6, 20), date(2023, 7, 10), periods)
    assert result == D("61.64")


def test_late_payment_interest_with_one_rate_is_simple_interest():
    periods = [(date(2020, 1, 1), D("12.15"))]
    due, paid = date(2024, 1, 1), date(2024, 1, 31)
    assert interest.late_payment_interest(D("1000"), due, paid, periods) == D("9.99")
    assert interest.late_payment_interest(D("1000"), due, due, periods) == D("0.00")


@given(
    principal=st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False),
    due=st.dates(min_value=date(2020, 1, 1), max_value=date(2024, 12, 31)),
    days=st.integers(min_value=0, max_value=1500),
    split=st.integers(min_value=1, max_value=1500),
    rate=st.decimals(min_value=0, max_value=20, places=2, allow_nan=False),
)
def test_cutting_a_period_with_the_same_rate_changes_nothing(principal, due, days, split, rate):
    on_date = date.fromordinal(due.toordinal() + days)
    cut = date.fromordinal(due.toordinal() + split)
    one = [(date(2019, 1, 1), rate)]
    two = [(date(2019, 1, 1), rate), (cut, rate)]
    expected = interest.simple_interest(principal, rate, due, on_date)
    assert interest.late_payment_interest(principal, due, on_date, one) == expected
    assert interest.late_payment_interest(principal, due, on_date, two) == expected


def test_late_payment_interest_rejects_missing_or_unsorted_rates():
    with pytest.raises(ValueError, match="no interest rate"):
        interest.late_payment_interest(
            D("100"), date(2022, 12, 1), date(2023, 2, 1), [(date(2023, 1, 1), D("10"))]
        )
    with pytest.raises(ValueError, match="sorted"):
        interest.late_payment_interest(
            D("100"),
            date(2023, 3, 1),
            date(2023, 9, 1),
            [(date(2023, 7, 1), D("12")), (date(2023, 1, 1), D("10"))],
        )


def test_eu_reference_rate_periods_only_on_half_year_starts():
    with pytest.raises(ValueError):
        interest.eu_reference_rate_periods({date(2023, 3, 1): D("3")}, 8)


def test_dutch_interest_compounds_yearly():
    periods = [(date(2020, 1, 1), D("10"))]
    due = date(2021, 1, 1)
    # Year 1: 1000 * 10% = 100, added to the principal; year 2: 1100 * 10% = 110.
    assert interest.compound_yearly_interest(D("1000"), due, date(2023, 1, 1), periods) == D("210.00")
    # Then 182 days (2 January to 2 July 2023) on 1210: 1210 * 0.10 * 182 / 365 = 60.3342...
    # 210 + 60.3342... = 270.33; simple interest over the 912 days would be 249.86.
    on_date = date(2023, 7, 2)
    assert interest.compound_yearly_interest(D("1000"), due, on_date, periods) == D("270.33")
    assert interest.late_payment_interest(D("1000"), due, on_date, periods) == D("249.86")
    # Within the first year there is nothing to compound yet.
    assert interest.compound_yearly_interest(
        D("1000"), due, date(2021, 7, 1), periods
    ) == interest.late_payment_interest(D("1000"), due, date(2021, 7, 1), periods)


def test_dutch_interest_anniversary_of_a_leap_day():
    periods = [(date(2020, 1, 1), D("10"))]
    # From 29 February 2024 the first anniversary is 28 February 2025 (365 days: 100.00);
    # the second is 28 February 2026 (365 days on 1100: 110.00).
    due = date(2024, 2, 29)
    assert interest.compound_yearly_interest(D("1000"), due, date(2025, 2, 28), periods) == D("100.00")
    assert interest.compound_yearly_interest(D("1000"), due, date(2026, 2, 28), periods) == D("210.00")


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (D("999.99"), D("40")),
        (D("1000"), D("70")),
        (D("9999.99"), D("70")),
        (D("10000"), D("100")),
    ],
)
def test_uk_fixed_sums(amount, expected):
    assert interest.fixed_compensation("uk", amount) == expected


@pytest.mark.parametrize(
    ("rule", "expected"),
    [("eu", D("40")), ("de", D("40")), ("fr", D("40")), ("nl_b2b", D("40")), ("none", D("0"))],
)
def test_flat_compensation(rule, expected):
    assert interest.fixed_compensation(rule, D("123.45")) == expected
    assert interest.fixed_compensation(rule, D("0")) == D("0")


def test_fixed_compensation_nl_consumer_uses_wik():
    assert interest.fixed_compensation("nl_consumer", D("5000")) == D("625.00")
    with pytest.raises(ValueError):
        interest.fixed_compensation("be", D("100"))


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (D("0"), D("0.00")),
        (D("200"), D("40.00")),  # 15% = 30: the minimum applies
        (D("266.67"), D("40.00")),  # 15% = 40.0005
        (D("267"), D("40.05")),  # 15% = 40.05, just above the minimum
        (D("2500"), D("375.00")),  # 15% of 2,500
        (D("3000"), D("425.00")),  # 375 + 10% of 500
        (D("5000"), D("625.00")),  # 375 + 250
        (D("10000"), D("875.00")),  # 625 + 5% of 5,000
        (D("200000"), D("2775.00")),  # 875 + 1% of 190,000
        (D("1000000"), D("6775.00")),  # 2,775 + 0.5% of 800,000 = the maximum
        (D("5000000"), D("6775.00")),  # capped
    ],
)
def test_wik_scale(amount, expected):
    assert interest.wik_collection_costs(amount) == expected
