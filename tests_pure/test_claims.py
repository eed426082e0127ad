from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from account_collection.tools import claims, interest
from hypothesis import given
from hypothesis import strategies as st

D = Decimal

# ECB main refinancing rate on 1 January / 1 July (the reference rate of the directive).
ECB = {
    date(2023, 1, 1): D("2.50"),
    date(2023, 7, 1): D("4.00"),
    date(2024, 1, 1): D("4.50"),
    date(2024, 7, 1): D("4.25"),
    date(2025, 1, 1): D("3.15"),
    date(2025, 7, 1): D("2.15"),
}


def test_wik_worked_examples():
    # 15% of 2,500 = 375 + 10% of 500 = 50 -> 425
    assert interest.wik_collection_costs(D("3000")) == D("425.00")
    assert interest.wik_collection_costs(D("200")) == D("40.00")
    # The "300,000 capped at 6,775" does not follow the scale: 375 + 250 + 250 + 1,900
    # + 0.5 % of 100,000 = 3,275. The maximum of 6,775 is reached at a principal of 1,000,000.
    assert interest.wik_collection_costs(D("300000")) == D("3275.00")
    assert interest.wik_collection_costs(D("1000000")) == D("6775.00")
    assert interest.wik_collection_costs(D("2500000")) == D("6775.00")


def test_wik_only_after_the_14_day_letter():
    letter = date(2025, 3, 1)
    # Received 3 March (2 days for the post), the 14 days are 4 to 17 March.
    assert not claims.wik_allowed(None, 2, date(2025, 6, 1))
    assert not claims.wik_allowed(letter, 2, date(2025, 3, 17))
    assert claims.wik_allowed(letter, 2, date(2025, 3, 18))


def test_wik_on_several_invoices_is_the_scale_of_their_total():
    # 1,000 + 2,000 = 3,000 -> 425, split 1:2
    assert claims.wik_split([D("1000"), D("2000")]) == [D("141.67"), D("283.33")]
    assert sum(claims.wik_split([D("100"), D("50")])) == D("40.00")


def test_eu_interest_across_1_july():
    rate_on = claims.half_year_rates(ECB, 8, "ECB")
    # Due 20 June 2023: 21-30 June at 10.50 %, 1-10 July at 12.00 % on 10,000.
    lines = claims.interest_lines(
        D("10000"), date(2023, 6, 20), date(2023, 6, 20), date(2023, 7, 10), rate_on
    )
    assert [(line.date_from, line.date_to, line.rate, line.basis) for line in lines] == [
        (date(2023, 6, 21), date(2023, 6, 30), D("10.50"), D("10000.00")),
        (date(2023, 7, 1), date(2023, 7, 10), D("12.00"), D("10000.00")),
    ]
    # 10000 * 10.5% * 10/365 = 28.767 -> 28.77; 10000 * 12% * 10/365 = 32.877 -> 32.88
    assert [line.amount for line in lines] == [D("28.77"), D("32.88")]


def test_partial_payment_stops_interest_on_the_paid_part():
    rate_on = claims.half_year_rates(ECB, 8)
    # 1,210.00 due 28 Feb 2025 at 11.15 % (3.15 + 8); 610.00 paid on 31 March.
    lines = claims.interest_lines(
        D("1210"),
        date(2025, 2, 28),
        date(2025, 2, 28),
        date(2025, 4, 30),
        rate_on,
        [(date(2025, 3, 31), D("610"))],
    )
    assert [(line.date_from, line.date_to, line.basis) for line in lines] == [
        (date(2025, 3, 1), date(2025, 3, 31), D("1210.00")),
        (date(2025, 4, 1), date(2025, 4, 30), D("600.00")),
    ]
    # 1210 * 11.15% * 31/365 = 11.4585 -> 11.46; 600 * 11.15% * 30/365 = 5.4986 -> 5.50
    assert [line.amount for line in lines] == [D("11.46"), D("5.50")]


def test_paid_in_full_no_more_interest():
    rate_on = claims.half_year_rates(ECB, 8)
    lines = claims.interest_lines(
        D("1000"),
        date(2025, 2, 28),
        date(2025, 2, 28),
        date(2025, 6, 30),
        rate_on,
        [(date(2025, 3, 10), D("1000"))],
    )
    assert [(line.date_from, line.date_to) for line in lines] == [(date(2025, 3, 1), date(2025, 3, 10))]


def test_missing_half_year_names_the_period():
    rate_on = claims.half_year_rates({date(2025, 1, 1): D("3.15")}, 8, "ECB")
    with pytest.raises(claims.MissingRate, match="second half of 2025") as error:
        claims.interest_lines(D("100"), date(2025, 6, 1), date(2025, 6, 1), date(2025, 7, 2), rate_on)
    assert error.value.period_start == date(2025, 7, 1)


def test_half_year_table_rejects_other_dates():
    with pytest.raises(ValueError, match="1 January and 1 July"):
        claims.half_year_rates({date(2025, 3, 1): D("3")})


def test_dutch_commercial_interest_compounds_yearly():
    rate_on = claims.half_year_rates({date(y, m, 1): D("2") for y in (2023, 2024, 2025) for m in (1, 7)}, 8)
    due = date(2023, 3, 31)
    lines = claims.interest_lines(D("1000"), due, due, date(2025, 3, 31), rate_on, compound=True)
    # Year 1: 1000 * 10% * 366/365 (2024 is a leap year: 1 April 2023 - 31 March 2024)
    # = 100.274 -> basis of year 2 = 1100.27..., interest 1100.27 * 10% * 365/365 = 110.03
    assert lines[0].basis == D("1000.00")
    assert lines[-1].basis == D("1100.27")
    assert sum(line.amount for line in lines) == D("210.30")
    assert interest.compound_yearly_interest(
        D("1000"), due, date(2025, 3, 31), [(date(2023, 1, 1), D("10"))]
    ) == D("210.30")


def test_rule_parameters():
    assert claims.rule_parameters("uk", "business") == ("boe", D(8), False, "uk")
    assert claims.rule_parameters("de", "consumer") == ("de_base", D(5), False, "none")
    assert claims.rule_parameters("eu", "consumer") is None
    with pytest.raises(ValueError):
        claims.rule_parameters("xx", "business")


def test_each_rule_hand_computed():
    # Invoice of 2,000 due 15 June 2024, claimed to 15 July 2024: 15 days of H1, 15 days of H2.
    due, end = date(2024, 6, 15), date(2024, 7, 15)
    cases = {
        # ECB 4.50 / 4.25 + 8: 2000*12.5%*15/365 = 10.27; 2000*12.25%*15/365 = 10.07
        "eu": (ECB, 8, [D("10.27"), D("10.07")]),
        # ECB + 10: 14.5 % -> 11.92; 14.25 % -> 11.71
        "fr": (ECB, 10, [D("11.92"), D("11.71")]),
        # BoE base rate 5.25 on both dates + 8: 13.25 % over 30 days = 21.78 (one line)
        "uk": ({date(2024, 1, 1): D("5.25"), date(2024, 7, 1): D("5.25")}, 8, [D("21.78")]),
        # Basiszinssatz 3.62 / 3.37 + 9: 12.62 % -> 10.37; 12.37 % -> 10.17
        "de": ({date(2024, 1, 1): D("3.62"), date(2024, 7, 1): D("3.37")}, 9, [D("10.37"), D("10.17")]),
    }
    for rule, (table, margin, expected) in cases.items():
        lines = claims.interest_lines(D("2000"), due, due, end, claims.half_year_rates(table, margin))
        assert [line.amount for line in lines] == expected, rule
    assert claims.compensation("uk", D("999.99")) == D("40.00")
    assert claims.compensation("uk", D("1000")) == D("70.00")
    assert claims.compensation("uk", D("10000")) == D("100.00")
    assert claims.compensation("de", D("5")) == D("40.00")


@given(
    amount=st.decimals(min_value=1, max_value=10**6, places=2, allow_nan=False),
    due=st.dates(min_value=date(2023, 1, 1), max_value=date(2024, 12, 31)),
    days=st.integers(min_value=1, max_value=360),
    cut=st.integers(min_value=0, max_value=360),
    compound=st.booleans(),
)
def test_charging_in_two_periods_covers_each_day_once(amount, due, days, cut, compound):
    rate_on = claims.half_year_rates(ECB | {date(2026, 1, 1): D("2"), date(2026, 7, 1): D("2")}, 8)
    end = due + timedelta(days=days)
    middle = min(due + timedelta(days=cut), end)
    once = claims.interest_lines(amount, due, due, end, rate_on, compound=compound)
    first = claims.interest_lines(amount, due, due, middle, rate_on, compound=compound)
    second = claims.interest_lines(amount, due, middle, end, rate_on, compound=compound)
    covered = [line.date_from + timedelta(n) for line in first + second for n in range(line.days)]
    assert len(covered) == len(set(covered))
    assert all(due < day <= end for day in covered)
    # Cutting changes the total by at most one rounding per line.
    total = sum(line.amount for line in once)
    cut_total = sum(line.amount for line in first + second)
    assert abs(total - cut_total) <= D("0.01") * (len(first) + len(second))
    for line in once:
        assert line.rate == rate_on(line.date_from) == rate_on(line.date_to)


def test_dutch_compounding_adds_only_interest_still_owed():
    """Art. 6:119 BW adds the interest owed over each year: interest paid since no longer is."""
    rate_on = claims.half_year_rates({date(y, m, 1): D("2") for y in (2023, 2024, 2025) for m in (1, 7)}, 8)
    due = date(2023, 3, 31)
    end = date(2025, 3, 31)
    year_one = (date(2023, 4, 1), date(2024, 3, 31))
    # Year 1's 100.27 (1000 * 10% * 366/365) paid on 30 June 2024: compounded from 1 April to
    # 30 June 2024 only (1100.27 * 10% * 91/365 = 27.43), then exactly 1000.00 again for the
    # 274 days to 31 March 2025 (75.07).
    lines = claims.interest_lines(
        D("1000"), due, due, end, rate_on, compound=True, interest_paid=[(date(2024, 6, 30), *year_one, 1)]
    )
    assert [(line.date_to, line.basis, line.amount) for line in lines] == [
        (date(2024, 3, 31), D("1000.00"), D("100.27")),
        (date(2024, 6, 30), D("1100.27"), D("27.43")),
        (date(2025, 3, 31), D("1000.00"), D("75.07")),
    ]
    # Half the interest of 1 April - 31 December 2023 (1000 * 10% * 275/365 = 75.34) paid
    # before the anniversary: 100.27 - 37.67 = 62.60 is added (1062.60 * 10% = 106.26).
    half = [(date(2023, 12, 31), date(2023, 4, 1), date(2023, 12, 31), Fraction(1, 2))]
    lines = claims.interest_lines(D("1000"), due, due, end, rate_on, compound=True, interest_paid=half)
    assert [line.basis for line in lines] == [D("1000.00"), D("1062.60")]
    assert sum(line.amount for line in lines) == D("206.53")
    # Charged but unpaid interest still compounds; without compounding, payments change nothing.
    assert claims.interest_lines(D("1000"), due, due, end, rate_on, compound=True)[-1].basis == D("1100.27")
    simple = claims.interest_lines(D("1000"), due, due, end, rate_on)
    assert simple == claims.interest_lines(D("1000"), due, due, end, rate_on, interest_paid=half)
