from decimal import Decimal
from fractions import Fraction

import pytest
from account_collection.tools import money
from hypothesis import given
from hypothesis import strategies as st

D = Decimal

# Amounts with more decimals than the currency has, so that rounding is exercised too.
amounts = st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False)
positive_amounts = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False)
digits = st.integers(min_value=0, max_value=3)


@given(total=amounts, count=st.integers(min_value=1, max_value=60), digits=digits)
def test_split_amount_sums_to_rounded_total(total, count, digits):
    parts = money.split_amount(total, count, digits)
    rounded = money.round_money(total, digits)
    unit = D(1).scaleb(-digits)

    assert len(parts) == count
    assert sum(parts) == rounded
    assert all(part == part.quantize(unit) for part in parts)
    # Earlier instalments are equal; the last one takes the remainder, which is less than
    # one unit per instalment and never flips the sign of the total.
    assert len(set(parts[:-1])) <= 1
    remainder = rounded - parts[0] * count
    assert parts[-1] - parts[0] == remainder
    assert abs(remainder) < unit * count
    assert all(part * rounded >= 0 for part in parts)
    assert abs(parts[-1]) >= abs(parts[0])


def test_split_amount_examples():
    assert money.split_amount(D("100"), 3) == [D("33.33"), D("33.33"), D("33.34")]
    assert money.split_amount(D("-100"), 3) == [D("-33.33"), D("-33.33"), D("-33.34")]
    assert money.split_amount(D("1.00"), 7) == [D("0.14")] * 6 + [D("0.16")]
    # The total is rounded half-up first: 10.005 is 10.01.
    assert money.split_amount(D("10.005"), 2) == [D("5.00"), D("5.01")]
    assert money.split_amount(D("99.99"), 1) == [D("99.99")]
    assert money.split_amount(1000, 4, digits=0) == [D(250)] * 4


@pytest.mark.parametrize("count", [0, -1, 1.5])
def test_split_amount_needs_one_instalment(count):
    with pytest.raises(ValueError):
        money.split_amount(D("100"), count)


@given(
    total=amounts,
    weights=st.lists(
        st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False),
        min_size=1,
        max_size=20,
    ).filter(any),
    digits=digits,
)
def test_split_by_weights_sums_exactly(total, weights, digits):
    parts = money.split_by_weights(total, weights, digits)
    rounded = money.round_money(total, digits)
    unit = D(1).scaleb(-digits)

    assert sum(parts) == rounded
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=False):
        exact = Fraction(rounded) * Fraction(weight) / Fraction(weight_sum)
        # Largest remainder: never more than one unit away from the exact share.
        assert abs(Fraction(part) - exact) < Fraction(unit)
        if not weight:
            assert part == 0


def test_split_by_weights_examples():
    assert money.split_by_weights(D("100"), [1, 1, 1]) == [D("33.34"), D("33.33"), D("33.33")]
    # Exact shares 16.666..., 33.333..., 50: the largest remainder (.666) gets the cent.
    assert money.split_by_weights(D("100"), [1, 2, 3]) == [D("16.67"), D("33.33"), D("50.00")]
    assert money.split_by_weights(D("-10"), [D("0.5"), 0, 3]) == [D("-1.43"), D("0"), D("-8.57")]


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1]])
def test_split_by_weights_rejects_bad_weights(weights):
    with pytest.raises(ValueError):
        money.split_by_weights(D("100"), weights)


@pytest.mark.parametrize(
    ("amount", "part", "whole", "expected"),
    [
        (D("100"), 1, 3, D("33.33")),
        (D("100"), 2, 3, D("66.67")),
        (D("0.05"), 1, 2, D("0.03")),  # 0.025 rounds half-up
        (D("-100"), 1, 3, D("-33.33")),
        (D("100"), 5, 3, D("100.00")),  # capped to the amount
        (D("100"), -1, 3, D("0.00")),
        (D("100"), 1, 0, D("0.00")),
        (D("1210.00"), D("605.00"), D("1210.00"), D("605.00")),
    ],
)
def test_prorate(amount, part, whole, expected):
    assert money.prorate(amount, part, whole) == expected


@given(
    amount=st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False),
    part=positive_amounts,
    whole=positive_amounts,
)
def test_prorate_never_exceeds_amount(amount, part, whole):
    result = money.prorate(amount, part, whole)
    assert abs(result) <= abs(amount)
    assert result * amount >= 0


@given(payment=positive_amounts, dues=st.lists(positive_amounts, max_size=15))
def test_allocate_oldest_first(payment, dues):
    allocations = money.allocate_oldest_first(payment, dues)

    assert len(allocations) == len(dues)
    assert all(0 <= allocation <= due for allocation, due in zip(allocations, dues, strict=False))
    assert sum(allocations) == min(payment, sum(dues))
    # Oldest first: once a due is left partly unpaid, nothing goes to later ones.
    for index, (allocation, due) in enumerate(zip(allocations, dues, strict=False)):
        if allocation < due:
            assert not any(allocations[index + 1 :])


def test_allocate_oldest_first_examples():
    dues = [D("100.00"), D("100.00"), D("10.00")]
    assert money.allocate_oldest_first(D("150.00"), dues) == [D("100"), D("50"), D("0")]
    assert money.allocate_oldest_first(D("500.00"), dues) == dues
    assert money.allocate_oldest_first(D("0"), dues) == [0, 0, 0]
    with pytest.raises(ValueError):
        money.allocate_oldest_first(D("-1"), dues)
    with pytest.raises(ValueError):
        money.allocate_oldest_first(D("1"), [D("-5")])


def test_to_decimal_keeps_float_digits():
    assert money.to_decimal(0.1) == D("0.1")
    assert money.to_decimal("12.50") == D("12.50")
    with pytest.raises(TypeError):
        money.to_decimal(None)
