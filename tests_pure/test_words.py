from decimal import Decimal

import pytest
from account_collection.tools import words

D = Decimal


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en_US", ["one thousand", "two hundred", "thirty-four", "euro", "fifty", "cents"]),
        ("nl_NL", ["duizend", "euro", "vijftig", "cent"]),
        ("de_DE", ["tausend", "Euro", "fünfzig", "Cent"]),
        ("fr_FR", ["mille", "euros", "cinquante", "centimes"]),
        ("fr_BE", ["mille", "euros", "cinquante"]),
    ],
)
def test_amount_in_words(lang, expected):
    text = words.amount_in_words(D("1234.50"), "EUR", lang)
    for word in expected:
        assert word in text


def test_amount_in_words_english_example():
    assert (
        words.amount_in_words(D("1234.50"), "EUR", "en_US")
        == "one thousand, two hundred and thirty-four euro, fifty cents"
    )


def test_unsupported_currency_is_composed():
    assert (
        words.amount_in_words(D("1234.50"), "CHF", "en_US")
        == "one thousand, two hundred and thirty-four CHF and fifty cents"
    )
    assert words.amount_in_words(D("2.01"), "CHF", "nl_NL") == "twee CHF en één cent"
    assert words.amount_in_words(D("3"), "XYZ", "fr_FR") == "trois XYZ"
    assert words.amount_in_words(D("-0.50"), "CHF", "en_US") == "minus zero CHF and fifty cents"


def test_other_decimal_places_are_composed():
    assert words.amount_in_words(D("1000"), "JPY", "en_US", digits=0) == "one thousand JPY"
    assert words.amount_in_words(D("1.005"), "KWD", "en_US", digits=3) == "one KWD 5/1000"


def test_amount_is_rounded_and_spaced_cleanly():
    assert words.amount_in_words(D("0.499"), "EUR", "en_US") == "zero euro, fifty cents"
    assert words.amount_in_words(D("-1"), "EUR", "en_US") == "minus one euro, zero cents"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en_US", "en"),
        ("nl_NL", "nl"),
        ("nl_BE", "nl"),
        ("fr_BE", "fr_BE"),
        ("pt_BR", "pt_BR"),
        ("sr@latin", "sr"),
        ("xx_YY", "en"),
        (None, "en"),
        ("", "en"),
    ],
)
def test_num2words_lang(lang, expected):
    assert words.num2words_lang(lang) == expected


def test_unknown_language_falls_back_to_english():
    assert words.amount_in_words(D("5"), "EUR", "xx_YY") == "five euro, zero cents"
