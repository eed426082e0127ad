import calendar
import itertools
from datetime import date, datetime, timedelta

import pytest
from account_collection.tools import schedule
from hypothesis import given
from hypothesis import strategies as st

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


def test_days_late():
    assert schedule.days_late(date(2024, 3, 1), date(2024, 3, 11)) == 10
    assert schedule.days_late(date(2024, 3, 1), date(2024, 3, 1)) == 0
    assert schedule.days_late(date(2024, 3, 1), date(2024, 2, 27)) == -3
    # Leap day counted.
    assert schedule.days_late(date(2024, 2, 28), date(2024, 3, 1)) == 2
    assert schedule.days_late(date(2024, 3, 1), datetime(2024, 3, 2, 23, 59)) == 1


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-5, "not_due"),
        (0, "not_due"),
        (1, "1_30"),
        (30, "1_30"),
        (31, "31_60"),
        (60, "31_60"),
        (61, "61_90"),
        (90, "61_90"),
        (91, "over_90"),
        (1000, "over_90"),
    ],
)
def test_aging_bucket(days, bucket):
    assert schedule.aging_bucket(days) == bucket
    assert bucket in schedule.AGING_BUCKETS


def test_level_reached_examples():
    offsets = [-3, 3, 7, 11]
    assert schedule.level_reached(offsets, -10) is None
    assert schedule.level_reached(offsets, -3) == 0
    assert schedule.level_reached(offsets, 2) == 0
    assert schedule.level_reached(offsets, 3) == 1
    assert schedule.level_reached(offsets, 11) == 3
    assert schedule.level_reached(offsets, 400) == 3
    assert schedule.level_reached([], 5) is None


@pytest.mark.parametrize("offsets", [[3, 3], [7, 3], [0, 5, 4]])
def test_level_reached_rejects_unsorted_offsets(offsets):
    with pytest.raises(ValueError):
        schedule.level_reached(offsets, 5)


@given(
    offsets=st.sets(st.integers(min_value=-60, max_value=400), max_size=12).map(sorted),
    first=st.integers(min_value=-100, max_value=500),
    second=st.integers(min_value=-100, max_value=500),
)
def test_level_reached_is_monotone(offsets, first, second):
    low, high = sorted((first, second))
    level_low = schedule.level_reached(offsets, low)
    level_high = schedule.level_reached(offsets, high)
    rank = lambda level: -1 if level is None else level  # noqa: E731
    assert rank(level_low) <= rank(level_high)
    if level_high is not None:
        assert offsets[level_high] <= high
        assert level_high == len(offsets) - 1 or offsets[level_high + 1] > high


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),
        (date(2024, 1, 15), -1, date(2023, 12, 15)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2024, 5, 31), 0, date(2024, 5, 31)),
    ],
)
def test_add_months(day, months, expected):
    assert schedule.add_months(day, months) == expected


def test_instalment_dates_keep_the_anchor_day():
    assert schedule.instalment_dates(date(2024, 1, 31), 4) == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
    ]
    assert schedule.instalment_dates(date(2024, 1, 31), 3, "weekly") == [
        date(2024, 1, 31),
        date(2024, 2, 7),
        date(2024, 2, 14),
    ]
    assert schedule.instalment_dates(date(2024, 12, 20), 2, "biweekly") == [
        date(2024, 12, 20),
        date(2025, 1, 3),
    ]


@pytest.mark.parametrize(("count", "interval"), [(0, "monthly"), (3, "daily"), (2, "Monthly")])
def test_instalment_dates_rejects_bad_arguments(count, interval):
    with pytest.raises(ValueError):
        schedule.instalment_dates(date(2024, 1, 1), count, interval)


@given(
    first=dates,
    count=st.integers(min_value=1, max_value=36),
    interval=st.sampled_from(sorted(schedule.INTERVALS)),
)
def test_instalment_dates_increase_and_stay_anchored(first, count, interval):
    result = schedule.instalment_dates(first, count, interval)

    assert len(result) == count
    assert result[0] == first
    assert all(earlier < later for earlier, later in itertools.pairwise(result))
    for index, day in enumerate(result):
        if interval == "monthly":
            year, month = divmod(first.year * 12 + first.month - 1 + index, 12)
            assert (day.year, day.month) == (year, month + 1)
            month_end = calendar.monthrange(day.year, day.month)[1]
            assert day.day == min(first.day, month_end)
        else:
            assert day - first == timedelta(days=schedule.INTERVALS[interval] * index)
