"""Structured creditor references (ISO 11649, "RF") and IBAN checks, on python-stdnum.

A reference printed on a reminder lets the bank statement line of the payment find its
customer or reminder again. References are built from database ids, so they are stable and
need no sequence; :func:`decode_rf` reads the ids back.

Error messages are plain English for logs and developers; the Odoo layer shows its own
translated message to users.
"""

import re
from importlib.readers import FileReader
from types import SimpleNamespace

import stdnum


def _restore_stdnum_resources():
    """Let stdnum read its data files (``iban.dat``) again under Odoo.

    Odoo 19 patches stdnum on import by replacing its package loader with an object that has
    no ``get_resource_reader``; stdnum 1.19 reads its databases through
    ``importlib.resources``, which then fails with "Can't open orphan path" on the first IBAN
    check. Giving the loader a reader of the package folder restores the normal behaviour.
    """
    loader = getattr(stdnum.__spec__, "loader", None)
    if loader is not None and not hasattr(loader, "get_resource_reader"):
        reader = FileReader(SimpleNamespace(path=stdnum.__file__))
        loader.get_resource_reader = lambda _name: reader


_restore_stdnum_resources()

from stdnum import iban, iso11649  # noqa: E402  (after the loader is usable)
from stdnum.exceptions import ValidationError  # noqa: E402
from stdnum.iso7064 import mod_97_10  # noqa: E402

__all__ = [
    "InvalidCreditorReference",
    "InvalidIBAN",
    "check_iban",
    "decode_rf",
    "format_rf",
    "parse_rf",
    "rf_for_communication",
    "rf_for_partner",
    "rf_reference",
]

MAX_BASE_LENGTH = 21

_BASE_RE = re.compile(rf"[0-9A-Z]{{1,{MAX_BASE_LENGTH}}}")
_PARTNER_BASE_RE = re.compile(r"(\d+)C(\d+)")
_COMMUNICATION_BASE_RE = re.compile(r"M(\d+)")
# A run of space-separated words starting with "RF" and two digits, not glued to a
# preceding letter or digit: either the compact reference or its groups of four.
_RF_RUN_RE = re.compile(r"(?<![0-9A-Z])RF\d\d[0-9A-Z]*(?: [0-9A-Z]+)*")


class InvalidCreditorReference(ValueError):
    """A creditor reference (or the base it is built from) is not valid."""


class InvalidIBAN(ValueError):
    """An account number is not a valid IBAN."""


def rf_reference(base: str) -> str:
    """The ISO 11649 creditor reference ``"RF" + check digits + base``, compact.

    ``base`` may hold up to 21 letters and digits; spaces and dashes are ignored and letters
    are upper-cased. The check digits make ``base + "RF" + digits`` equal 1 modulo 97, with
    letters counted as A=10 ... Z=35 (ISO 7064 MOD 97-10). stdnum 1.19 has no function
    that computes them for ISO 11649, hence :func:`stdnum.iso7064.mod_97_10.calc_check_digits`.

    :raises InvalidCreditorReference: when the base is empty, too long or has other characters.
    """
    compact = re.sub(r"[\s-]", "", str(base)).upper()
    if not _BASE_RE.fullmatch(compact):
        raise InvalidCreditorReference(
            f"a creditor reference is built from 1 to {MAX_BASE_LENGTH} letters and digits, not from {base!r}"
        )
    reference = "RF" + mod_97_10.calc_check_digits(compact + "RF") + compact
    return iso11649.validate(reference)


def rf_for_partner(company_id: int, partner_id: int) -> str:
    """Stable creditor reference of a customer in a company (base ``"<company>C<partner>"``)."""
    return rf_reference(f"{_positive_id(company_id)}C{_positive_id(partner_id)}")


def rf_for_communication(communication_id: int) -> str:
    """Creditor reference of one reminder or letter (base ``"M<id>"``)."""
    return rf_reference(f"M{_positive_id(communication_id)}")


def decode_rf(reference: str):
    """What a reference made by this module points to, or ``None``.

    Returns ``("partner", company_id, partner_id)``, ``("communication", communication_id)``
    or ``None`` for a reference that is invalid or was not built here.
    """
    if not iso11649.is_valid(reference):
        return None
    base = iso11649.compact(reference)[4:]
    if match := _PARTNER_BASE_RE.fullmatch(base):
        return ("partner", int(match[1]), int(match[2]))
    if match := _COMMUNICATION_BASE_RE.fullmatch(base):
        return ("communication", int(match[1]))
    return None


def parse_rf(text: str) -> str | None:
    """The first valid creditor reference found in ``text`` (a payment label), compact, or
    ``None``.

    The reference may be written compact (``RF18539007547034``) or in groups of four
    (``RF18 5390 0754 7034``), in any case, amid other words. For the grouped form the
    longest run of groups whose check digits match wins. A word of one to four letters or
    digits right after a reference has a 1-in-97 chance to extend it into another valid
    reference; the callers match the result against references they issued.
    """
    if not text:
        return None
    for run in _RF_RUN_RE.finditer(text.upper()):
        words = run[0].split(" ")
        for count in range(len(words), 0, -1):
            candidate = words[:count]
            # Beyond one word only the grouped form counts: "RF" and its check digits, then
            # groups of four characters, the last one possibly shorter.
            grouped = count == 1 or (
                len(candidate[0]) == 4
                and all(len(word) == 4 for word in candidate[1:-1])
                and len(candidate[-1]) <= 4
            )
            if grouped and iso11649.is_valid("".join(candidate)):
                return iso11649.compact("".join(candidate))
    return None


def format_rf(reference: str) -> str:
    """``reference`` printed in groups of four characters, as on payment slips."""
    return iso11649.format(reference)


def check_iban(number: str) -> str:
    """The compact form of IBAN ``number`` (no spaces, upper case) after validating it.

    Checks the check digits, the country's length and structure and, where stdnum knows
    them, the country's own rules.

    :raises InvalidIBAN: (a ``ValueError``) with a message saying what is wrong.
    """
    try:
        return iban.validate(number)
    except ValidationError as error:
        raise InvalidIBAN(f"{number!r} is not a valid IBAN: {error}") from error


def _positive_id(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidCreditorReference(f"a record id must be a positive integer, not {value!r}")
    return value
