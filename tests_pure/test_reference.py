import pytest
from account_collection.tools import reference
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iso11649

bases = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=21)


def test_known_reference():
    assert iso11649.is_valid("RF18539007547034")
    assert not iso11649.is_valid("RF18539007547035")
    assert reference.rf_reference("539007547034") == "RF18539007547034"
    assert reference.rf_reference("5390 0754-7034") == "RF18539007547034"
    assert reference.format_rf("RF18539007547034") == "RF18 5390 0754 7034"


@pytest.mark.parametrize("base", ["", " - ", "A" * 22, "12.34", "ÄB", "12_3"])
def test_rf_reference_rejects_bad_bases(base):
    with pytest.raises(ValueError, match="1 to 21 letters and digits"):
        reference.rf_reference(base)


@given(base=bases)
def test_rf_round_trip(base):
    ref = reference.rf_reference(base)
    assert iso11649.is_valid(ref)
    assert ref == "RF" + ref[2:4] + base
    assert reference.rf_reference(base.lower()) == ref
    formatted = reference.format_rf(ref)
    assert iso11649.compact(formatted) == ref
    # Found in a bank label, compact or grouped, in any case, amid other words.
    for written in (ref, formatted, formatted.lower()):
        assert reference.parse_rf(f"Payment ref {written} INVOICE 2024/001") == ref
        assert reference.parse_rf(f"{written}, thanks") == ref


def test_parse_rf_without_reference():
    assert reference.parse_rf("") is None
    assert reference.parse_rf(None) is None
    assert reference.parse_rf("INV/2024/0001 payment") is None
    assert reference.parse_rf("RF18 5390 0754 7035") is None
    # Glued to a preceding word it is not a reference.
    assert reference.parse_rf("XRF18539007547034") is None


def test_parse_rf_picks_the_valid_one():
    label = "RF00 1234 wrong, right: RF18 5390 0754 7034 12345"
    assert reference.parse_rf(label) == "RF18539007547034"


def test_partner_and_communication_references():
    partner_ref = reference.rf_for_partner(1, 42)
    assert partner_ref == reference.rf_for_partner(1, 42)
    assert partner_ref != reference.rf_for_partner(2, 42)
    assert reference.decode_rf(partner_ref) == ("partner", 1, 42)
    communication_ref = reference.rf_for_communication(7)
    assert reference.decode_rf(reference.format_rf(communication_ref)) == ("communication", 7)
    assert reference.decode_rf("RF18539007547034") is None
    assert reference.decode_rf("RF18539007547035") is None
    with pytest.raises(ValueError):
        reference.rf_for_partner(0, 42)
    with pytest.raises(ValueError):
        reference.rf_for_communication("7")


@given(
    company_id=st.integers(min_value=1, max_value=10**6),
    partner_id=st.integers(min_value=1, max_value=10**12),
    communication_id=st.integers(min_value=1, max_value=10**18),
)
def test_generated_references_decode(company_id, partner_id, communication_id):
    assert reference.decode_rf(reference.rf_for_partner(company_id, partner_id)) == (
        "partner",
        company_id,
        partner_id,
    )
    assert reference.decode_rf(reference.rf_for_communication(communication_id)) == (
        "communication",
        communication_id,
    )


def test_check_iban():
    assert reference.check_iban("NL91ABNA0417164300") == "NL91ABNA0417164300"
    assert reference.check_iban("nl91 abna 0417 1643 00") == "NL91ABNA0417164300"
    with pytest.raises(reference.InvalidIBAN, match="not a valid IBAN"):
        reference.check_iban("NL91ABNA0417164301")
    with pytest.raises(ValueError):
        reference.check_iban("NL91ABNA041716430")
    with pytest.raises(ValueError):
        reference.check_iban("")
