import pytest

from smartcrm.core.text import clean_text, normalize_ro, search_key
from smartcrm.core.validators import cui_is_valid, normalize_cui


@pytest.mark.parametrize(
    "cui",
    [
        "18547290",  # control digit 0 from 1110 mod 11 = 10
        "RO18547290",  # with the VAT prefix
        "ro 185 472 90",  # spaced, lower-case prefix
        "14399840",  # control digit 0 (sum 154, 1540 mod 11 = 0)
        "1590082",  # a short (7-digit) CUI
        "13548146",
    ],
)
def test_valid_cui(cui):
    assert cui_is_valid(cui) is True


@pytest.mark.parametrize(
    "cui",
    ["18547291", "RO18547299", "1", "", "ABC", "12345678901", "RO", "1854729O", "18547290-1"],
)
def test_invalid_cui(cui):
    assert cui_is_valid(cui) is False


def test_cui_check_digit_by_hand():
    # 1854729|? padded to 9 digits: 0 0 1 8 5 4 7 2 9, key 7 5 3 2 1 7 5 3 2
    # 0 + 0 + 3 + 16 + 5 + 28 + 35 + 6 + 18 = 111; 111 × 10 mod 11 = 10, which counts as 0
    assert [d for d in range(10) if cui_is_valid(f"1854729{d}")] == [0]
    # 1590082: 0 0 0 1 5 9 0 0 8 -> 2 + 5 + 63 + 16 = 86; 860 mod 11 = 2
    assert [d for d in range(10) if cui_is_valid(f"159008{d}")] == [2]


def test_normalize_cui_splits_vat_prefix():
    assert normalize_cui("RO 18547290") == ("18547290", True)
    assert normalize_cui("18547290") == ("18547290", False)


def test_cedilla_letters_become_comma_below():
    assert normalize_ro("Ştefan Ţăranu, Timişoara") == "Ștefan Țăranu, Timișoara"


def test_clean_text_folds_blanks():
    assert clean_text("  Brașov \t SRL ") == "Brașov SRL"


@pytest.mark.parametrize("variant", ["Ștefan", "Ştefan", "stefan", "STEFAN", "ștefan"])
def test_search_key_treats_cedilla_comma_and_bare_letters_alike(variant):
    assert search_key(variant) == "stefan"


def test_search_key_removes_every_romanian_diacritic():
    assert search_key("Țară ÎNVĂȚĂMÂNT") == "tara invatamant"
