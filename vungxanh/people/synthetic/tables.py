"""Data tables of the synthetic population: Vietnam's 2019 census age and sex structure,
household sizes, names in realistic frequencies by birth cohort, birth provinces, mobile
networks, comorbidity prevalence, occupations, family-structure parameters and village names.
Plain data parsed from compact text tables; no logic beyond the parsing."""

from __future__ import annotations

import unicodedata

from vungxanh.people.identity import FEMALE, MALE

Cohorts = tuple[float, float, float]


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _weights(table: str) -> tuple[tuple[str, float], ...]:
    """Parse ``name:weight`` entries separated by whitespace."""
    pairs = (entry.split(":") for entry in table.split())
    return tuple((_nfc(name), float(weight)) for name, weight in pairs)


def _cohort_weights(table: str) -> tuple[tuple[str, Cohorts], ...]:
    """Parse ``name:w1/w2/w3`` entries separated by whitespace."""
    rows = []
    for entry in table.split():
        name, weights = entry.split(":")
        first, second, third = (float(weight) for weight in weights.split("/"))
        rows.append((_nfc(name), (first, second, third)))
    return tuple(rows)


def _names(table: str) -> tuple[str, ...]:
    """Parse comma-separated names."""
    return tuple(_nfc(" ".join(name.split())) for name in table.split(","))


# --- Census and survey tables ----------------------------------------------------------------

#: Vietnam 2019 census: (first age of the 5-year band, % of the population, male share).
#: Under 15: 24.3 %, 15-64: 68.0 %, 65 and over: 7.7 %; sex ratio about 0.99.
AGE_BANDS: tuple[tuple[int, float, float], ...] = (
    (0, 8.2, 0.527),
    (5, 8.5, 0.523),
    (10, 7.6, 0.520),
    (15, 6.8, 0.516),
    (20, 7.2, 0.510),
    (25, 8.4, 0.505),
    (30, 8.6, 0.502),
    (35, 7.9, 0.502),
    (40, 7.2, 0.500),
    (45, 6.6, 0.495),
    (50, 6.0, 0.487),
    (55, 5.2, 0.475),
    (60, 4.1, 0.460),
    (65, 3.0, 0.445),
    (70, 1.8, 0.425),
    (75, 1.2, 0.400),
    (80, 1.7, 0.350),  # 80 and over, spread over 80-100 by survival
)
MAX_AGE = 100
OLDEST_BAND_SURVIVAL = 0.84  # yearly decline of the single-year weights from 80 to 100

#: Vietnam 2019: share of households (%) by number of members.
HOUSEHOLD_SIZES: tuple[tuple[int, float], ...] = (
    (1, 11.0),
    (2, 18.0),
    (3, 20.0),
    (4, 27.0),
    (5, 13.0),
    (6, 6.5),
    (7, 2.7),
    (8, 1.2),
    (9, 0.6),
)

#: Family names and their share (%) in the Kinh population, with a tail of less common ones,
#: including Tày, Nùng and Dao names of the mountain districts (Bình Liêu, Ba Chẽ, Tiên Yên).
FAMILY_NAMES = _weights("""
    Nguyễn:38  Trần:11  Lê:9.5  Phạm:7  Hoàng:5  Phan:4.5  Vũ:3.9  Đặng:2.1  Bùi:2  Đỗ:1.4
    Hồ:1.3  Ngô:1.3  Dương:1  Lý:0.5  Đinh:0.8  Đào:0.7  Đoàn:0.6  Trịnh:0.6  Trương:0.5
    Mai:0.5  Lương:0.5  Hà:0.5  Lưu:0.4  Cao:0.4  Tạ:0.3  Tô:0.3  Triệu:0.3  Chu:0.3
    Phùng:0.3  Lâm:0.3  La:0.2  Vi:0.2  Nông:0.2  Thái:0.2  Bàn:0.15  Tống:0.15  Quách:0.15
    Kiều:0.15  Lục:0.1  Lộc:0.1  Khúc:0.1  Tăng:0.1  Hứa:0.1  Doãn:0.1  Giáp:0.1  Nghiêm:0.1
    Âu:0.1  Chìu:0.05  Diệp:0.05
""")

# Middle and given names as name:w1/w2/w3, the weights for people born before 1970,
# in 1970-1994 and from 1995 on.
COHORT_BREAKS = (1970, 1995)
MALE_MIDDLE_NAMES = _cohort_weights("""
    Văn:70/45/22  Đức:5/8/9  Minh:2/6/12  Quang:3/5/6  Hữu:5/5/3  Xuân:4/3/2  Đình:4/4/3
    Công:3/3/2  Ngọc:2/3/3  Thanh:3/4/4  Trọng:2/2/2  Tiến:1/2/2  Bá:2/1/0.5  Quốc:1/3/5
    Mạnh:1/2/2  Hoàng:0.5/2/4  Gia:0.2/1/6  Anh:0.2/1/3  Bảo:0.1/0.5/4  Tuấn:0.5/2/3
    Nhật:0.1/1/3  Hải:0.5/1.5/2  Duy:0.3/2/3  Trung:1/1.5/1.5  Việt:0.3/1/2  Thành:1/1.5/2
    Khánh:0.2/0.5/2  Đăng:0.2/0.5/2  Huy:0.1/0.3/1.5  Phúc:0.1/0.3/1.5
""")
FEMALE_MIDDLE_NAMES = _cohort_weights("""
    Thị:90/60/22  Ngọc:1/4/8  Thu:2/5/5  Minh:0.2/1/5  Khánh:0.1/1/5  Phương:0.3/2/5
    Thanh:1.5/4/5  Hồng:1/3/3  Mai:0.5/1.5/2  Bảo:0.01/0.3/4  Hà:0.2/1/3  Thùy:0.3/2/4
    Kim:1/2/2  Diệu:0.1/0.5/2  Quỳnh:0.2/1/3  Hải:0.2/1/2  Tuệ:0.01/0.1/2  An:0.1/0.5/2
    Gia:0.01/0.2/3  Cẩm:0.2/1/1.5  Mỹ:0.2/1/2  Hoài:0.2/1/1.5  Thảo:0.1/1/2  Lan:0.2/0.5/1
    Như:0.01/0.3/2  Vân:0.3/0.5/1  Ánh:0.1/0.5/1.5  Diễm:0.1/0.5/1.5
""")
#: Share of women named "Thị" who carry a second middle name ("Nguyễn Thị Thu Hà").
DOUBLE_MIDDLE_SHARE = 0.12
THI = _nfc("Thị")
MALE_GIVEN_NAMES = _cohort_weights("""
    Hùng:6/4/1.5  Dũng:6/4/1.5  Thắng:5/3/1  Chiến:4/2/0.5  Bình:4/2/1  Hòa:4/2/0.5  Hải:4/4/2
    Sơn:4/4/2  Thành:4/4/2.5  Tuấn:3/5/3  Cường:3/4/2  Hưng:3/3/2.5  Minh:3/4/5  Nam:3/3/4
    Long:2/4/3.5  Quý:3/1.5/0.5  Lợi:3/1.5/0.5  Phú:2/1.5/1  Toàn:2/2/1  Khải:1.5/1/0.5
    Hiển:1.5/1/0.3  Lực:2/1/0.3  Thịnh:1.5/1.5/1.5  Tiến:2/2/1  Vinh:2/2/1  Trường:2/2/1
    Định:2/1/0.3  Tâm:2/1.5/1  Thanh:2/1.5/0.5  Lâm:1/1.5/2  Công:1.5/1/0.5  Đông:1.5/1/0.5
    Hậu:1.5/1/0.5  Mạnh:2/2.5/1.5  Nghĩa:2/2/1  Ninh:1.5/1/0.5  Phúc:1/1.5/3  Quang:2/2/1.5
    Quyết:2/1/0.3  Sáng:1.5/0.7/0.2  Tài:1/1.5/1.5  Thái:1/1.5/1  Thọ:2/0.5/0.1  Tùng:1/3/2
    Trung:2/3/2  Tú:1/2/1.5  Việt:1/2/2  Xuân:1.5/0.5/0.2  Hiệp:1/1.5/0.5  Hoàn:1.5/1/0.3
    Khoa:0.3/1.5/3  Kiên:1/2/1.5  Tân:1.5/1/0.5  Thuận:1.5/1/0.5  Thiện:0.5/1/1.5  Bảo:0.2/1/4
    Cảnh:1.5/1/0.3  Chính:1.5/1/0.3  Dương:0.5/1.5/2  Đạt:0.5/2.5/3  Đức:2/3/3  Giang:1/1.5/1
    Hào:0.3/1/1.5  Hiếu:0.5/2.5/3  Hoàng:0.5/2/3  Huy:0.5/3/4  Khang:0.1/0.5/4
    Khôi:0.1/0.5/3.5  Khánh:0.5/1.5/2.5  Kiệt:0.1/0.5/2.5  Lộc:1/1.5/2  Nhật:0.1/1/2.5
    Phong:1/2/2.5  Phát:0.1/0.5/2.5  Quân:0.5/2/4  Sang:0.5/1/1.5  Trí:0.5/1.5/2
    Trọng:1/1.5/1  Vũ:0.3/1.5/2.5  An:0.5/1/3.5  Anh:1/4/5  Duy:0.3/2/3  Đăng:0.1/0.5/2.5
    Nguyên:0.5/1.5/3  Thiên:0.1/0.5/2  Bách:0.1/0.3/1.5  Nhân:1/1.5/1.5  Quốc:0.5/1/1.5
    Tín:0.5/1/1.5  Hiệu:1/0.5/0.2
""")
FEMALE_GIVEN_NAMES = _cohort_weights("""
    Lan:6/4/1.5  Hương:5/5/2.5  Hoa:5/3/1  Hồng:5/3/1  Mai:4/4/2.5  Hạnh:4/4/1.5  Thủy:4/4/1.5
    Nga:4/3/1  Hà:3/4/3  Hằng:3/4/2  Huyền:2/4/3  Dung:4/3/1  Hiền:3/3/2  Liên:4/2/0.5
    Loan:3/2/0.5  Lý:2/1.5/0.5  Nhung:3/3/1  Oanh:2.5/2/1  Phương:2/4/3  Quyên:1/2/1.5
    Tâm:2/2/1.5  Thảo:1/4/4  Thu:3/2.5/1  Trang:1/5/4  Tuyết:3/2/0.5  Vân:3/2.5/1  Yến:3/3/1.5
    Xuân:3/1.5/0.5  Bích:2/1.5/0.5  Cúc:3/1/0.2  Đào:2.5/1/0.2  Điệp:1.5/1/0.5  Gấm:2/0.5/0.1
    Hải:1/1.5/1  Hậu:1.5/1.5/0.5  Huệ:3/1.5/0.5  Khuyên:1.5/1/0.3  Lệ:2/1/0.3  Liễu:2/1/0.2
    Lụa:2/0.5/0.1  Minh:1/1.5/2  Nguyệt:2/2/1  Nhàn:2/1.5/0.5  Phượng:2/2/1  Sen:2.5/0.5/0.1
    Thoa:2.5/1.5/0.3  Thơm:2.5/0.5/0.1  Thúy:3/3/1  Tình:2/1/0.3  Tươi:2/1/0.2  Uyên:0.3/1.5/3
    Vui:1.5/0.5/0.1  Anh:0.5/3/5  Chi:0.3/2/4  Diệp:0.3/0.8/1.5  Giang:1/2.5/2.5
    Hân:0.1/0.5/3.5  Linh:0.5/4/6  Ly:0.3/1.5/3  My:0.2/1.5/3.5  Ngân:0.5/2/3.5  Ngọc:1/2.5/3
    Nhi:0.2/1.5/4.5  Quỳnh:0.5/2.5/3.5  Thư:0.2/1.5/4.5  Trâm:0.3/1.5/2.5  Trinh:0.5/2/1.5
    Vy:0.1/1/4.5  An:0.3/1/4  Châu:0.5/1/2  Hoài:1/1.5/1  Khuê:0.3/0.5/1.5  Tú:1/1.5/1
    Thanh:2/2/1  Tiên:0.5/1.5/2.5  Trà:0.3/1/2  Như:0.3/1/2.5  Nhiên:0.1/0.3/2  Thương:1/2/1.5
    Duyên:1/2.5/2  Hường:2.5/2/0.5  Hòa:2/1/0.3  Mến:2/0.5/0.1  Nhâm:1.5/0.5/0.1
""")

#: Province of birth registration (the CCCD's first 3 digits) of residents born elsewhere:
#: Quảng Ninh's neighbours and the big cities that send workers.
NEIGHBOUR_BIRTH_PROVINCES: dict[str, tuple[tuple[str, float], ...]] = {
    "22": (
        ("031", 4.0),  # Hải Phòng
        ("030", 3.0),  # Hải Dương
        ("034", 2.0),  # Thái Bình
        ("024", 2.0),  # Bắc Giang
        ("001", 2.0),  # Hà Nội
        ("036", 1.5),  # Nam Định
        ("020", 1.5),  # Lạng Sơn
    ),
}
HOME_BIRTH_PROVINCE_SHARE = 0.85
OTHER_BIRTH_PROVINCES = ("001", "031", "030", "034", "036", "024", "020", "079", "038", "040")

#: Share of mobile subscribers by network operator.
CARRIER_SHARES: dict[str, float] = {
    "Viettel": 0.50,
    "Vinaphone": 0.25,
    "MobiFone": 0.20,
    "Vietnamobile": 0.025,
    "Gmobile": 0.01,
    "Itelecom": 0.01,
    "Reddi": 0.005,
}

COMORBIDITIES = (
    "hypertension",
    "diabetes",
    "cardiovascular",
    "copd",
    "asthma",
    "chronic_kidney",
    "cancer",
    "obesity",
    "liver",
)
#: Prevalence (%) by age group (first age of each group) as (male, female) pairs, in the
#: order of COMORBIDITIES. Shaped on Vietnamese STEPS surveys: hypertension about 25 % of
#: people 50+, diabetes about 7 % of adults and rising with age.
COMORBIDITY_AGE_GROUPS = (0, 18, 40, 50, 60, 70)
COMORBIDITY_PREVALENCE: dict[str, tuple[tuple[float, float], ...]] = {
    "hypertension": ((0.1, 0.1), (4, 2.5), (13, 10), (20, 16), (28, 26), (36, 37)),
    "diabetes": ((0.1, 0.1), (2, 2), (6.5, 6.5), (11, 11), (15, 15), (17, 17)),
    "cardiovascular": ((0.2, 0.2), (0.5, 0.5), (2, 1.5), (3.5, 3), (6, 5.5), (12, 12)),
    "copd": ((0, 0), (0.5, 0.3), (2.5, 1), (4, 1.5), (8, 3), (11, 4)),
    "asthma": ((4, 3.5), (2.5, 3), (2.5, 3), (3, 3.5), (4, 4), (5, 5)),
    "chronic_kidney": ((0.1, 0.1), (0.5, 0.5), (2, 2), (3, 3), (4, 4.5), (6, 6)),
    "cancer": ((0.05, 0.05), (0.1, 0.15), (0.5, 0.7), (1, 1.1), (1.6, 1.4), (2, 1.6)),
    "obesity": ((2.5, 1.5), (2, 2), (3, 3.5), (3, 3.5), (2.5, 3), (1.5, 2)),
    "liver": ((0.1, 0.1), (1.5, 0.7), (3.5, 1.2), (4, 1.5), (3.5, 1.5), (3, 1.5)),
}
MINER_COPD_FACTOR = 2.0

#: Chance (%) that a woman of this age (first age of the group) is pregnant on the day.
PREGNANCY_BY_AGE = ((18, 2.0), (20, 4.5), (30, 3.0), (35, 1.5), (40, 0.4), (46, 0.0))
_PREGNANCY_STARTS = [start for start, _percent in PREGNANCY_BY_AGE]
PREGNANCY_WEEKS = (5, 40)

STUDENT = _nfc("Học sinh")
CHILD = _nfc("Trẻ em")
MINER = _nfc("Thợ mỏ")
#: Occupations of working-age adults: (label, weight for men, weight for women).
WORKING_OCCUPATIONS: tuple[tuple[str, float, float], ...] = (
    ("Công nhân", 17, 16),
    ("Nông dân", 13, 14),
    ("Ngư dân", 5, 1.5),
    (MINER, 10, 1.5),
    ("Buôn bán", 7, 13),
    ("Lao động tự do", 13, 10),
    ("Nhân viên văn phòng", 6, 8),
    ("Cán bộ, công chức", 6, 6),
    ("Giáo viên", 1.5, 4.5),
    ("Tài xế", 4.5, 0.2),
    ("Du lịch - dịch vụ", 6, 8),
    ("Nội trợ", 0.3, 7),
    ("Nhân viên y tế", 1, 2),
    ("Lực lượng vũ trang", 2.5, 0.3),
    ("Không có việc làm", 2.5, 2.5),
)
YOUNG_ADULT_OCCUPATIONS: tuple[tuple[str, float, float], ...] = (
    ("Sinh viên", 35, 38),
    ("Công nhân", 18, 20),
    ("Lao động tự do", 12, 8),
    ("Du lịch - dịch vụ", 8, 12),
    ("Buôn bán", 4, 6),
    ("Nông dân", 5, 4),
    ("Ngư dân", 2, 0.3),
    (MINER, 5, 0.3),
    ("Nhân viên văn phòng", 3, 4),
    ("Lực lượng vũ trang", 5, 0.5),
    ("Nội trợ", 0.1, 3),
    ("Không có việc làm", 3, 3),
)
RETIRED_OCCUPATIONS: tuple[tuple[str, float, float], ...] = (
    ("Hưu trí", 38, 34),
    ("Nông dân", 22, 20),
    ("Nội trợ", 1, 20),
    ("Buôn bán", 5, 7),
    ("Lao động tự do", 8, 5),
    ("Ngư dân", 2, 0.2),
    ("Không có việc làm", 8, 8),
)
TEEN_OCCUPATIONS: tuple[tuple[str, float, float], ...] = (
    (STUDENT, 86, 90),
    ("Lao động tự do", 6, 4),
    ("Công nhân", 4, 3),
    ("Buôn bán", 2, 2.5),
    ("Nông dân", 2, 0.5),
)
#: Retirement ages in 2021 (the reform raises them gradually from 60 and 55).
RETIREMENT_AGE = {MALE: 60, FEMALE: 55}

RELATIONS = ("head", "spouse", "child", "parent", "grandchild", "sibling", "other")

# Ages by role, in completed years. A mother is 19-41 years older than her child, so the birth
# dates differ by more than 18 and less than 42 years; a father at least 20.
MOTHER_GAP = (19, 41)
FATHER_GAP = (20, 55)
COUPLE_GAP_MEAN, COUPLE_GAP_SD, COUPLE_GAP_RANGE = 3.0, 3.5, (-3, 12)
MIN_WIFE_AGE, MIN_HUSBAND_AGE = 19, 20
CARD_AGE = 14  # citizens get an ID card at 14
MALE_BIRTH_SHARE = 0.52
EITHER = "either"  # a role open to both sexes
OLDEST_COUPLE_AGE = 80  # the wife's age at most when both elders of a household are alive
#: Mother's age at the birth of her youngest child (mean for one child, +1.5 per extra child).
LAST_BIRTH_AGE_MEAN, LAST_BIRTH_AGE_SD = 26.0, 4.5

_REFRESH_HOUSEHOLDS = 16  # how often the age controller re-weighs the bands
# Serials are offset + n * stride modulo the serial space: a stride coprime with the space makes
# the first (space) values of n all different, so numbers never collide within a run.
_CCCD_SPACE, _CCCD_STRIDE = 1_000_000, 387_419
_PHONE_SPACE, _PHONE_STRIDE = 10_000_000, 3_141_593


# --- Village names ---------------------------------------------------------------------------

#: Village names of lowland and coastal communes (after "Thôn").
LOWLAND_VILLAGES = _names("""
    Đông, Tây, Nam, Bắc, Trung, Thượng, Hạ, Tân Lập, Tân Tiến, Tân Thành, Tân Hưng, Đồng Tâm,
    Quyết Tiến, Quyết Thắng, Thắng Lợi, Hòa Bình, Bình Minh, Đoàn Kết, Yên Mỹ, Yên Hưng,
    An Biên, Cẩm Hưng, Phú Hải, Nam Hải, Đồng Sơn, Hải Yến, Vĩnh Thông, Trại Gạo, Cống Mương,
    Đầm Buôn, Cổ Lễ, Xuân Quang, Hưng Học, Bãi Dài, Cái Tràng, Cầu Trắng, Phúc Tiến,
    Thành Công
""")
#: Tày, Nùng and Dao village names of mountain communes ("Bản" + start + end).
MOUNTAIN_VILLAGE_STARTS = _names("""
    Khe, Nà, Pắc, Cốc, Khau, Lòng, Đồng, Bắc, Pò
""")
MOUNTAIN_VILLAGE_ENDS = _names("""
    Mằn, Lèn, Vàng, Hoi, Tâm, Mo, Pạt, Nhâu, Coóc, Sáu, Lạn, Ngàn, Phạ, Cáy, Liềng, Luông, Tấu,
    Mạ, Dằn, Nặm
""")
_URBAN_KINDS = {"phuong", "ward", "thi tran", "thi_tran", "town"}
_RURAL_KINDS = {"xa", "commune"}
