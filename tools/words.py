"""Amounts in words for letters ("one thousand, two hundred and thirty-four euro, fifty cents").

Built on num2words, whose currency support differs by language and by version: 0.5.10
(pinned by Odoo 19) and 0.5.13 raise ``NotImplementedError`` for a currency a language does
not know, 0.5.10 has no currency words at all in some languages (``AttributeError``), and a
few languages take no ``currency`` argument (``TypeError``). Whatever num2words cannot say,
this module composes from the number words itself.
"""

from decimal import Decimal

from num2words import CONVERTER_CLASSES, num2words

from .money import round_money

__all__ = ["amount_in_words", "num2words_lang"]

# Errors num2words raises for a currency or language it does not support (see above).
# Some languages also fail on negative amounts (decimal.InvalidOperation, an ArithmeticError).
_UNSUPPORTED = (
    NotImplementedError,
    AttributeError,
    TypeError,
    KeyError,
    ValueError,
    ArithmeticError,
)

# Words for the composed form "<units> <CODE> <and> <n> <hundredths>", by language prefix:
# (conjunction, one hundredth, several hundredths).
_HUNDREDTHS = {
    "en": ("and", "cent", "cents"),
    "nl": ("en", "cent", "cent"),
    "de": ("und", "Cent", "Cent"),
    "fr": ("et", "centime", "centimes"),
    "es": ("con", "céntimo", "céntimos"),
    "it": ("e", "centesimo", "centesimi"),
    "pt": ("e", "cêntimo", "cêntimos"),
    "pt_BR": ("e", "centavo", "centavos"),
}


def num2words_lang(lang: str | None) -> str:
    """The num2words language for an Odoo language code: the full code (``'fr_BE'``) when
    num2words has it, else its two-letter prefix (``'nl_NL'`` -> ``'nl'``), else ``'en'``."""
    code = (lang or "en").replace("-", "_").split("@")[0]
    for candidate in (code, code.split("_")[0]):
        if candidate in CONVERTER_CLASSES:
            return candidate
    return "en"


def amount_in_words(amount, currency_code: str, lang: str | None = "en_US", digits: int = 2) -> str:
    """``amount`` of ``currency_code`` in words, in language ``lang`` (an Odoo code).

    Uses num2words' own currency wording when it supports the currency in that language,
    e.g. ``"eintausendzweihundertvierunddreißig Euro und fünfzig Cent"``. Otherwise the
    integer part in words is followed by the currency code and the hundredths in words,
    e.g. ``"one thousand, two hundred and thirty-four CHF and fifty cents"``; in a language
    without a word for hundredths here, they are written as a fraction (``"50/100"``).
    Currencies with other than two decimals (``digits``) always take the composed form.
    """
    num2words_code = num2words_lang(lang)
    amount = round_money(amount, digits)
    words = None
    if digits == 2:
        try:
            words = num2words(amount, lang=num2words_code, to="currency", currency=currency_code)
        except _UNSUPPORTED:
            words = None
    if not words:
        try:
            words = _composed_words(amount, currency_code, num2words_code, digits)
        except _UNSUPPORTED:
            # A letter must still show its total: English words beat no words at all.
            words = _composed_words(amount, currency_code, "en", digits)
    # num2words 0.5.10 writes "minus  one" for negative amounts: normalise the spacing.
    return " ".join(words.split())


def _composed_words(amount: Decimal, currency_code: str, lang: str, digits: int) -> str:
    units, hundredths = divmod(abs(amount.scaleb(digits)), 10**digits)
    parts = [num2words(int(units), lang=lang), currency_code]
    if hundredths:
        conjunction, one, several = _HUNDREDTHS.get(
            lang, _HUNDREDTHS.get(lang.split("_", maxsplit=1)[0], (None, None, None))
        )
        if conjunction and digits == 2:
            parts += [conjunction, num2words(int(hundredths), lang=lang)]
            parts.append(one if hundredths == 1 else several)
        else:
            parts.append(f"{int(hundredths)}/{10**digits}")
    if amount < 0:
        parts.insert(0, _minus_word(lang))
    return " ".join(parts)


def _minus_word(lang: str) -> str:
    # Each language has its own word ("min", "moins", "meno"); read it from num2words.
    minus_one, one = num2words(-1, lang=lang), num2words(1, lang=lang)
    word = minus_one[: -len(one)].strip() if minus_one.endswith(one) else ""
    return word or "-"
