"""Vietnamese identity rules: CCCD/CMND, mobile numbers, names, ID-card QR, dates of birth."""

import os
import unicodedata
from collections.abc import Iterator
from datetime import date

import pytest

from vungxanh.people.identity import (
    CARRIER_BY_PREFIX,
    MOBILE_PREFIXES,
    CccdInfo,
    IdentityError,
    check_cccd,
    check_cmnd,
    display_phone,
    fold_name,
    make_cccd,
    normalize_name,
    normalize_phone,
    parse_birth,
    parse_cccd,
    parse_cccd_qr,
    phone_carrier,
)


@pytest.fixture
def english() -> Iterator[None]:
    """Render lazy messages in English, configuring bare settings when run without Django's."""
    from django.conf import settings
    from django.utils import translation

    if not settings.configured and "DJANGO_SETTINGS_MODULE" not in os.environ:
        settings.configure(USE_I18N=False)
    with translation.override("en"):
        yield


def codes(errors: list[IdentityError]) -> list[str]:
    return [error.code for error in errors]


def raised(call, *args: object, **kwargs: object) -> IdentityError:
    with pytest.raises(IdentityError) as info:
        call(*args, **kwargs)
    return info.value


# --- CCCD --------------------------------------------------------------------------------------


def test_parse_cccd_reads_province_sex_and_birth_year() -> None:
    assert parse_cccd("022 085 012 345") == CccdInfo(
        number="022085012345", province_code="022", sex="male", birth_year=1985
    )


@pytest.mark.parametrize(
    ("digit", "sex", "birth_year"),
    [
        ("0", "male", 1987),
        ("1", "female", 1987),
        ("2", "male", 2087),
        ("3", "female", 2087),
        ("4", "male", 2187),
        ("5", "female", 2187),
        ("6", "male", 2287),
        ("7", "female", 2287),
        ("8", "male", 2387),
        ("9", "female", 2387),
    ],
)
def test_fourth_digit_encodes_century_and_sex(digit: str, sex: str, birth_year: int) -> None:
    info = parse_cccd(f"031{digit}87654321")
    assert (info.sex, info.birth_year) == (sex, birth_year)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("02208501234a", "cccd_digits"),
        ("022-085-012345", "cccd_digits"),
        ("02208501234", "cccd_length"),
        ("0220850123456", "cccd_length"),
        ("", "cccd_length"),
        ("000085012345", "cccd_province"),
        ("100085012345", "cccd_province"),
    ],
)
def test_parse_cccd_rejects(value: str, code: str) -> None:
    assert raised(parse_cccd, value).code == code


def test_province_codes_up_to_099_are_accepted() -> None:
    assert parse_cccd("099185000001").province_code == "099"
    assert parse_cccd("001185000001").province_code == "001"


def test_length_error_counts_digits_and_points_to_cmnd(english: None) -> None:
    error = raised(parse_cccd, "123456789")
    assert error.code == "cccd_length"
    assert error.params == {"count": 9}
    assert "12 digits" in str(error)
    assert "CMND" in str(error)


def test_consistent_cccd_has_no_problem() -> None:
    assert check_cccd("022185012345", birth_year=1985, sex="female") == []
    assert check_cccd("022203012345", birth_year=2003, sex="male") == []
    assert check_cccd("022203012345", birth_year=None, sex=None) == []


def test_sex_mismatch_names_the_fourth_digit(english: None) -> None:
    [error] = check_cccd("022085012345", birth_year=1985, sex="female")
    assert error.code == "cccd_sex_mismatch"
    assert error.params["digit"] == "0"
    assert str(error) == (
        "The 4th digit of the citizen ID (0) means male, but the person is recorded as female."
    )


def test_century_mismatch_when_digit_says_1900s_but_born_2003(english: None) -> None:
    [error] = check_cccd("022103012345", birth_year=2003, sex="female")
    assert error.code == "cccd_century_mismatch"
    assert "(1)" in str(error)
    assert "1900 and 1999" in str(error)
    assert "2003" in str(error)


def test_year_mismatch_names_digits_five_and_six(english: None) -> None:
    [error] = check_cccd("022087012345", birth_year=1985, sex="male")
    assert error.code == "cccd_year_mismatch"
    assert error.params == {"digits": "87", "year": 1985}
    assert "Digits 5-6" in str(error)
    assert "(87)" in str(error)


def test_every_contradiction_is_reported() -> None:
    errors = check_cccd("022185012345", birth_year=2003, sex="male")
    assert codes(errors) == ["cccd_sex_mismatch", "cccd_century_mismatch", "cccd_year_mismatch"]


def test_bad_province_does_not_hide_other_contradictions() -> None:
    errors = check_cccd("000085012345", birth_year=1990, sex="female")
    assert codes(errors) == ["cccd_province", "cccd_sex_mismatch", "cccd_year_mismatch"]


def test_structural_errors_stop_the_check() -> None:
    assert codes(check_cccd("0220850123", birth_year=1985, sex="female")) == ["cccd_length"]
    assert codes(check_cccd("O22085012345", birth_year=1985, sex="male")) == ["cccd_digits"]


def test_check_cccd_rejects_an_unknown_sex_value() -> None:
    with pytest.raises(ValueError, match="sex"):
        check_cccd("022085012345", birth_year=1985, sex="M")


@pytest.mark.parametrize("birth_year", [1900, 1999, 2000, 2099, 2100, 2399])
@pytest.mark.parametrize("sex", ["male", "female"])
def test_make_cccd_round_trips(birth_year: int, sex: str) -> None:
    number = make_cccd("22", birth_year, sex, 4321)
    assert len(number) == 12
    assert number.startswith("022")
    assert number.endswith("004321")
    assert parse_cccd(number) == CccdInfo(number, "022", sex, birth_year)
    assert check_cccd(number, birth_year=birth_year, sex=sex) == []


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("0x2", 1985, "male", 1), "province_code"),
        (("100", 1985, "male", 1), "province_code"),
        (("022", 1899, "male", 1), "birth_year"),
        (("022", 2400, "male", 1), "birth_year"),
        (("022", 1985, "nam", 1), "sex"),
        (("022", 1985, "male", 1_000_000), "serial"),
        (("022", 1985, "male", -1), "serial"),
    ],
)
def test_make_cccd_rejects_bad_arguments(args: tuple[str, int, str, int], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make_cccd(*args)


# --- CMND --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["100123456", "100 123 456", "022085012345"])
def test_check_cmnd_accepts_9_or_12_digits(value: str) -> None:
    assert check_cmnd(value) == []


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("10012345", "cmnd_length"),
        ("1001234567", "cmnd_length"),
        ("10012345x", "cmnd_digits"),
        ("000000000", "cmnd_zero"),
    ],
)
def test_check_cmnd_rejects(value: str, code: str) -> None:
    assert codes(check_cmnd(value)) == [code]


# --- Phones ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "0912 345 678",
        "0912345678",
        "+84912345678",
        "+84 912 345 678",
        "+84 (0) 912 345 678",
        "84912345678",
        "0084912345678",
        "(091) 234-5678",
        "091.234.5678",
        "912345678",  # a spreadsheet dropped the leading zero
        "\uff10\uff19\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18",  # full-width digits
    ],
)
def test_normalize_phone_returns_e164(value: str) -> None:
    assert normalize_phone(value) == "+84912345678"


@pytest.mark.parametrize(
    ("prefix", "carrier"),
    [
        ("086", "Viettel"),
        ("032", "Viettel"),
        ("039", "Viettel"),
        ("088", "Vinaphone"),
        ("081", "Vinaphone"),
        ("089", "MobiFone"),
        ("070", "MobiFone"),
        ("076", "MobiFone"),
        ("092", "Vietnamobile"),
        ("056", "Vietnamobile"),
        ("099", "Gmobile"),
        ("059", "Gmobile"),
        ("087", "Itelecom"),
        ("055", "Reddi"),
    ],
)
def test_prefixes_of_every_network_are_mobile(prefix: str, carrier: str) -> None:
    number = f"{prefix}1234567"
    assert normalize_phone(number) == "+84" + number[1:]
    assert phone_carrier(number) == carrier


def test_prefix_table_is_consistent() -> None:
    prefixes = [prefix for group in MOBILE_PREFIXES.values() for prefix in group]
    assert len(prefixes) == len(set(prefixes)) == len(CARRIER_BY_PREFIX)
    assert all(len(prefix) == 3 and prefix.startswith("0") for prefix in prefixes)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("0123456789", "phone_prefix"),
        ("0801234567", "phone_prefix"),
        ("0203 3825 678", "phone_landline"),
        ("+84 203 3825678", "phone_landline"),
        ("02438251234", "phone_landline"),
        ("01623456789", "phone_obsolete"),
        ("0912 345 67", "phone_format"),
        ("09123456789", "phone_format"),
        ("0912345678x", "phone_format"),
        ("+1 202 555 0100", "phone_format"),
        ("0912345678/0987654321", "phone_format"),
        ("", "phone_format"),
    ],
)
def test_normalize_phone_rejects(value: str, code: str) -> None:
    assert raised(normalize_phone, value).code == code


def test_landline_error_names_the_area_code(english: None) -> None:
    error = raised(normalize_phone, "0203 3825 678")
    assert error.params == {"number": "02033825678", "area": "0203"}
    assert str(error) == "02033825678 is a landline number (area code 0203); enter a mobile number."


def test_old_eleven_digit_number_suggests_the_new_one(english: None) -> None:
    error = raised(normalize_phone, "0168 123 4567")
    assert error.params["new"] == "0381234567"
    assert "0381234567" in str(error)
    assert normalize_phone(str(error.params["new"])) == "+84381234567"


def test_prefix_error_names_the_prefix(english: None) -> None:
    error = raised(normalize_phone, "0123456789")
    assert error.params["prefix"] == "012"
    assert "starts with 012" in str(error)


def test_display_phone() -> None:
    assert display_phone("+84912345678") == "0912 345 678"
    assert display_phone("84 386 123 456") == "0386 123 456"


# --- Names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("nguyễn văn AN", "Nguyễn Văn An"),
        ("  trần\tthị   bích\n", "Trần Thị Bích"),
        ("ĐẶNG ĐỨC ĐẠT", "Đặng Đức Đạt"),
        ("lê\u200b thị\u00a0hằng", "Lê Thị Hằng"),
        ("\ufeffphạm \u200b văn", "Phạm Văn"),
        ("h'hen niê", "H'Hen Niê"),
        ("", ""),
    ],
)
def test_normalize_name(value: str, expected: str) -> None:
    assert normalize_name(value) == expected


def test_normalize_name_composes_decomposed_input() -> None:
    decomposed = unicodedata.normalize("NFD", "nguyễn thị ánh")
    assert decomposed != "nguyễn thị ánh"
    result = normalize_name(decomposed)
    assert result == "Nguyễn Thị Ánh"
    assert unicodedata.is_normalized("NFC", result)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Nguyễn Văn Đạt", "nguyen van dat"),
        ("ĐỖ \t THỊ\u00a0 HẰNG\n", "do thi hang"),
        ("Ðinh Công Tráng", "dinh cong trang"),  # Icelandic eth typed for Đ
        ("Hoà", "hoa"),
        ("Hòa", "hoa"),
        ("Thuỷ", "thuy"),
        ("Thủy", "thuy"),
    ],
)
def test_fold_name(value: str, expected: str) -> None:
    assert fold_name(value) == expected


def test_fold_name_treats_precomposed_and_decomposed_alike() -> None:
    name = "Nguyễn Văn Đạt"
    assert fold_name(unicodedata.normalize("NFD", name)) == fold_name(name) == "nguyen van dat"


# --- Chip ID card QR ---------------------------------------------------------------------------

QR = "022190012345|100123456|NGUYỄN THỊ ÁNH|15061990|Nữ|Tổ 3, Khu 5, Hà Khánh, Hạ Long|10052021"


def test_parse_cccd_qr() -> None:
    card = parse_cccd_qr(QR)
    assert card.cccd == "022190012345"
    assert card.cmnd == "100123456"
    assert card.full_name == "Nguyễn Thị Ánh"
    assert card.birth_date == date(1990, 6, 15)
    assert card.sex == "female"
    assert card.address == "Tổ 3, Khu 5, Hà Khánh, Hạ Long"
    assert card.issued_on == date(2021, 5, 10)


def test_qr_tolerates_bom_whitespace_and_trailing_separator() -> None:
    assert parse_cccd_qr(f"\ufeff  {QR}|\r\n") == parse_cccd_qr(QR)


def test_qr_without_cmnd_and_with_decomposed_name() -> None:
    text = unicodedata.normalize("NFD", QR.replace("|100123456|", "||"))
    card = parse_cccd_qr(text)
    assert card.cmnd is None
    assert card.full_name == "Nguyễn Thị Ánh"
    assert unicodedata.is_normalized("NFC", card.address)


def test_qr_sex_without_diacritics_is_understood() -> None:
    assert parse_cccd_qr(QR.replace("|Nữ|", "|NU|")).sex == "female"
    male = QR.replace("022190012345", "022090012345").replace("|Nữ|", "|Nam|")
    assert parse_cccd_qr(male).sex == "male"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (QR.rsplit("|", 1)[0], "qr_fields"),
        (QR + "|extra|field", "qr_fields"),
        ("022190012345", "qr_fields"),
        (QR.replace("15061990", "31021990"), "qr_date"),
        (QR.replace("15061990", "1990-06-15"), "qr_date"),
        (QR.replace("10052021", "1052021"), "qr_date"),
        (QR.replace("|Nữ|", "|Female|"), "qr_sex"),
        (QR.replace("|Nữ|", "||"), "qr_sex"),
        (QR.replace("NGUYỄN THỊ ÁNH", " "), "qr_name"),
        (QR.replace("022190012345", "02219001234"), "cccd_length"),
        (QR.replace("022190012345", "000190012345"), "cccd_province"),
        (QR.replace("100123456", "1001234"), "cmnd_length"),
        (QR.replace("|Nữ|", "|Nam|"), "cccd_sex_mismatch"),
        (QR.replace("15061990", "15061991"), "cccd_year_mismatch"),
        (QR.replace("15061990", "15062090"), "cccd_century_mismatch"),
    ],
)
def test_qr_rejects(text: str, code: str) -> None:
    assert raised(parse_cccd_qr, text).code == code


def test_qr_field_count_error_counts(english: None) -> None:
    error = raised(parse_cccd_qr, "a|b|c")
    assert error.params == {"expected": 7, "count": 3}
    assert "7 fields" in str(error)


def test_qr_date_error_says_which_field(english: None) -> None:
    birth = raised(parse_cccd_qr, QR.replace("15061990", "32061990"))
    issue = raised(parse_cccd_qr, QR.replace("10052021", "10132021"))
    assert "date of birth" in str(birth)
    assert "32061990" in str(birth)
    assert "date of issue" in str(issue)


# --- Dates of birth ----------------------------------------------------------------------------

TODAY = date(2021, 10, 1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("15/06/1990", (date(1990, 6, 15), 1990)),
        ("5/6/1990", (date(1990, 6, 5), 1990)),
        ("15-06-1990", (date(1990, 6, 15), 1990)),
        ("15.06.1990", (date(1990, 6, 15), 1990)),
        ("1990-06-15", (date(1990, 6, 15), 1990)),
        (" 1990 ", (None, 1990)),
        ("1900", (None, 1900)),
        ("2021", (None, 2021)),
        ("01/10/2021", (date(2021, 10, 1), 2021)),
    ],
)
def test_parse_birth(value: str, expected: tuple[date | None, int]) -> None:
    assert parse_birth(value, today=TODAY) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("31/02/1990", "birth_invalid"),
        ("1990-13-01", "birth_invalid"),
        ("1899", "birth_too_early"),
        ("31/12/1899", "birth_too_early"),
        ("2022", "birth_future"),
        ("02/10/2021", "birth_future"),
        ("90", "birth_format"),
        ("1990/06/15", "birth_format"),
        ("June 1990", "birth_format"),
        ("", "birth_format"),
    ],
)
def test_parse_birth_rejects(value: str, code: str) -> None:
    assert raised(parse_birth, value, today=TODAY).code == code


# --- Errors ------------------------------------------------------------------------------------


def test_identity_error_is_a_value_error_and_converts_to_validation_error() -> None:
    error = raised(parse_cccd, "0220850123")
    assert isinstance(error, ValueError)
    validation = error.as_validation_error()
    assert validation.code == "cccd_length"
    assert validation.params == {"count": 10}
