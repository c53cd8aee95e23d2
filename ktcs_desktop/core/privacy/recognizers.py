"""Korean PII recognizers: each finds (category, start, end) spans in a normalised `View`.

Digit recognizers read every view (digits, spoken digits), date recognizers read Sino-Korean
numerals directly ("팔오년 삼월 이일", "천구백팔십오년", "시월") through `korean_numbers`, names come
from the caller on screen and the other customers mentioned (plus a context recognizer for
names after 성함/예금주/명의자/가족 words). What must stay — prices, GB, speeds, plan names with
numbers, plan-change dates, ages, durations — never matches: every digit pattern needs a length,
a shape or a context word that those lack.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ktcs_desktop.core.korean_numbers import DIGITS, parse_korean_number, read_digits
from ktcs_desktop.core.privacy.view import View


@dataclass(frozen=True)
class Hit:
    category: str
    start: int  # in the view's text
    end: int


# -- shared pieces ---------------------------------------------------------------------------------
SEP = r"(?:\s*(?:[-.–·/]|에|다시)\s*|\s+)?"  # between digit groups: "-", ".", " ", "에", "다시"
SEP1 = r"(?:\s*(?:[-.–·/]|에|다시)\s*|\s+)"  # the same, but required
_ND = r"(?<!\d)"
_NA = r"(?!\d)"


def _context(text: str, start: int, end: int, words: re.Pattern[str], before: int = 20, after: int = 20) -> bool:
    return words.search(text[max(0, start - before):start]) is not None or \
        words.search(text[end:end + after]) is not None


def _finditer(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Overlapping-safe finditer: after a rejected match, later ones are still tried."""
    yield from pattern.finditer(text)


# -- phones ------------------------------------------------------------------------------------
_MOBILE = re.compile(rf"{_ND}(?:(?:\+\s*82|(?<![\d-])82\s*-)\s*[-.]?\s*(?:\(0\)\s*)?0?|0)1[016789]{SEP}\d{{3,4}}{SEP}\d{{4}}{_NA}")
_LANDLINE = re.compile(rf"{_ND}(?:\(\s*)?0(?:2|[3-6][1-5]|70|50\d)(?:\s*\))?{SEP}\d{{3,4}}{SEP}\d{{4}}{_NA}")
_SHORT_PHONE = re.compile(r"(?<![\d-])(?!1[568]\d\d-)\d{3,4}-\d{4}(?![-\d])")
_PHONE_WORDS = re.compile(r"번호|연락처|전화|핸드폰|휴대폰|폰|뒷자리|문자")


def phones(view: View) -> Iterator[Hit]:
    text = view.text
    for pattern in (_MOBILE, _LANDLINE):
        for m in pattern.finditer(text):
            yield Hit("phone", *m.span())
    for m in _SHORT_PHONE.finditer(text):
        if _context(text, m.start(), m.end(), _PHONE_WORDS, before=12, after=0):
            yield Hit("phone", *m.span())


# -- 주민등록번호 / 외국인등록번호 -------------------------------------------------------------------
_YYMMDD = r"\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_RRN = re.compile(rf"{_ND}({_YYMMDD}){SEP}([1-8])(\d{{6}}|[*xX●○#]{{6}}){_NA}")
_RRN_WORDS = re.compile(r"주민|등록\s*번호|외국인")
_FOREIGN_WORDS = re.compile(r"외국인")
_FRONT = re.compile(rf"{_ND}{_YYMMDD}{_NA}")
_BACK = re.compile(rf"{_ND}[1-8]\d{{6}}{_NA}")
_FRONT_WORDS = re.compile(r"앞\s*자리|앞\s*번호|앞에\s*여섯")
_BACK_WORDS = re.compile(r"뒷\s*자리|뒷\s*번호|뒤\s*일곱|뒤에")


def registration_numbers(view: View) -> Iterator[Hit]:
    text = view.text
    for m in _RRN.finditer(text):
        yield Hit("arn" if m.group(2) in "5678" else "rrn", *m.span())
    if _RRN_WORDS.search(text) is None:
        return
    foreign = _FOREIGN_WORDS.search(text) is not None
    for pattern, words in ((_FRONT, _FRONT_WORDS), (_BACK, _BACK_WORDS)):
        for m in pattern.finditer(text):
            if _context(text, m.start(), m.end(), words, before=10, after=0):
                back_digit = m.group()[0] if pattern is _BACK else ""
                yield Hit("arn" if foreign or back_digit in ("5", "6", "7", "8") else "rrn", *m.span())


# -- cards -------------------------------------------------------------------------------------
_CARD = re.compile(rf"{_ND}\d{{4}}{SEP}\d{{4}}{SEP}\d{{4}}{SEP}\d{{4}}{_NA}")
_AMEX = re.compile(rf"{_ND}3[47]\d{{2}}{SEP}\d{{6}}{SEP}\d{{5}}{_NA}")
_CVC = re.compile(r"(?:CVC|CVV|씨브이씨|보안\s*코드|뒷면\s*세\s*자리)\s*(?:번호)?\s*(?:은|는|이|가|:)?\s*(\d{3,4})(?!\d)", re.I)


def cards(view: View) -> Iterator[Hit]:
    for pattern in (_CARD, _AMEX):
        for m in pattern.finditer(view.text):
            yield Hit("card", *m.span())
    for m in _CVC.finditer(view.text):
        yield Hit("card", *m.span(1))


# -- Korean numerals in dates -------------------------------------------------------------------
_NUMC = rf"[0-9{''.join(DIGITS)}십백천]+"
_DATE_PART = re.compile(rf"(?<![가-힣0-9])(?P<y>{_NUMC})\s*년\s*(?:(?P<m>{_NUMC}|시|유)\s*월\s*(?:(?P<d>{_NUMC})\s*일)?)?")
_MONTH_DAY = re.compile(rf"(?<![가-힣0-9])(?P<m>{_NUMC}|시|유)\s*월\s*(?P<d>{_NUMC})\s*일")


def numeral_value(text: str) -> int | None:
    """"85", "팔오" (digit by digit), "팔십오", "천구백팔십오" → 85 / 1985; None if not a number."""
    if text.isdigit():
        return int(text)
    if all(ch in DIGITS for ch in text):
        return int(read_digits(text)) if len(text) >= 2 else DIGITS[text]
    return parse_korean_number(text)


def _month(text: str) -> int | None:
    if text == "시":
        return 10
    if text == "유":
        return 6
    value = numeral_value(text)
    return value if value is not None and 1 <= value <= 12 else None


def _year(text: str) -> int | None:
    value = numeral_value(text)
    if value is None:
        return None
    if len(text) <= 2 or value < 100:
        return value if 0 <= value < 100 else None
    return value if 1900 <= value <= 2039 else None


# -- 생년월일 ------------------------------------------------------------------------------------
_DOB_BEFORE = re.compile(r"생년\s*월일|생년|생일|출생|태어|DOB|birth", re.I)
_DOB_AFTER = re.compile(r"^\s*(?:생|에\s*(?:태어|출생)|출생)")
_NOT_DOB_AFTER = re.compile(
    r"^\s*(?:에|부터|까지|자로|에도|에는|로)?\s*(?:가입|개통|변경|해지|약정|납부|신청|예약|적용|끝|만료|바뀌|바꾸|바꿔|시작|종료"
    r"|부터|까지|출국|입국|나가|이사|결제|도착|처리)")
_NUMERIC_DATE = re.compile(rf"{_ND}(?P<y>19\d{{2}}|20[0-3]\d|\d{{2}})\s*(?P<s>[./\-])\s*(?P<m>\d{{1,2}})\s*(?P=s)\s*"
                           rf"(?P<d>\d{{1,2}}){_NA}")
_COMPACT_DATE = re.compile(rf"{_ND}(?P<y>(?:19|20)\d{{2}}|\d{{2}})(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01]){_NA}")
_SPACED_DATE = re.compile(rf"{_ND}(?P<y>\d{{2}})\s(?P<m>\d{{2}})\s(?P<d>\d{{2}}){_NA}")
_CARD_WORDS = re.compile(r"유효\s*기간|만료|카드")


def _valid_md(month: int | None, day: int | None) -> bool:
    return month is not None and 1 <= month <= 12 and (day is None or 1 <= day <= 31)


def _dob_decision(text: str, start: int, end: int, *, year: int | None, full_year: bool, has_day: bool) -> bool:
    before = _DOB_BEFORE.search(text[max(0, start - 16):start]) is not None
    after = _DOB_AFTER.match(text[end:]) is not None
    if after or (before and _NOT_DOB_AFTER.match(text[end:]) is None):
        return True
    if not has_day or year is None or _NOT_DOB_AFTER.match(text[end:]) is not None:
        return False
    if _CARD_WORDS.search(text[max(0, start - 16):start]):
        return False
    return not full_year or 1920 <= year <= 2012


def dates_of_birth(view: View) -> Iterator[Hit]:
    text = view.text
    for m in _DATE_PART.finditer(text):
        year = _year(m.group("y"))
        if year is None:
            continue
        month = _month(m.group("m")) if m.group("m") else None
        day = numeral_value(m.group("d")) if m.group("d") else None
        if (m.group("m") and month is None) or (m.group("d") and not _valid_md(month, day)):
            continue
        end = m.end()
        if m.group("m") is None:  # "85년생" / "팔오년생" only
            rest = text[end:]
            if rest.lstrip().startswith("생"):
                yield Hit("dob", m.start(), end + len(rest) - len(rest.lstrip()) + 1)
            continue
        full = len(m.group("y")) >= 3 or (not m.group("y").isdigit() and year >= 100)
        if _dob_decision(text, m.start(), end, year=year, full_year=full, has_day=day is not None):
            yield Hit("dob", m.start(), end)
    for m in _MONTH_DAY.finditer(text):
        if not _valid_md(_month(m.group("m")), numeral_value(m.group("d"))):
            continue
        if _dob_decision(text, m.start(), m.end(), year=None, full_year=False, has_day=True):
            yield Hit("dob", *m.span())
    for pattern in (_NUMERIC_DATE, _COMPACT_DATE, _SPACED_DATE):
        for m in pattern.finditer(text):
            ytext = m.group("y")
            year, month, day = int(ytext), int(m.group("m")), int(m.group("d"))
            if not _valid_md(month, day):
                continue
            full = len(ytext) == 4
            if pattern is _NUMERIC_DATE:
                ok = _dob_decision(text, m.start(), m.end(), year=year, full_year=full, has_day=True) and (
                    full or _DOB_BEFORE.search(text[max(0, m.start() - 16):m.start()]) is not None
                    or _DOB_AFTER.match(text[m.end():]) is not None)
            else:  # compact / spaced digits: only with a birth-date word around
                ok = _DOB_BEFORE.search(text[max(0, m.start() - 16):m.start()]) is not None or \
                    _DOB_AFTER.match(text[m.end():]) is not None
            if ok:
                yield Hit("dob", *m.span())


# -- card expiry ---------------------------------------------------------------------------------
_EXPIRY_WORDS = re.compile(r"(?:유효\s*기간|만료\s*일?|유효\s*일|exp(?:iry)?|valid\s*thru)\s*(?:은|는|이|가|:)?\s*$", re.I)
_EXPIRY_VALUE = re.compile(
    rf"(?P<a>{_ND}(?:0?[1-9]|1[0-2])\s*[/\-.]\s*(?:20)?\d{{2}}{_NA})"
    rf"|(?P<b>(?<![가-힣0-9])(?:{_NUMC})\s*년\s*(?:{_NUMC}|시|유)\s*월)"
    rf"|(?P<c>(?<![가-힣0-9])(?:{_NUMC}|시|유)\s*월\s*(?:{_NUMC})\s*년)")


def card_expiry(view: View) -> Iterator[Hit]:
    text = view.text
    for m in _EXPIRY_VALUE.finditer(text):
        if _EXPIRY_WORDS.search(text[max(0, m.start() - 14):m.start()]):
            yield Hit("card_expiry", *m.span())


# -- accounts, licences, passports -------------------------------------------------------------------
_ACCOUNT_HYPHEN = re.compile(rf"{_ND}\d{{2,6}}(?:-\d{{2,7}}){{2,3}}{_NA}")
_ACCOUNT_LOOSE = re.compile(rf"{_ND}\d{{2,6}}(?:{SEP}\d{{2,7}}){{1,3}}{_NA}|{_ND}\d{{10,14}}{_NA}")
_BANK_WORDS = re.compile(r"은행|계좌|예금주|자동\s*이체|환불|입금|송금|신한|국민|우리|하나|농협|기업|카카오\s*뱅크|카뱅|토스"
                         r"|케이\s*뱅크|새마을|우체국|수협|신협|씨티|SC제일|산업", re.I)
_REGIONS = "서울|부산|경기(?:남부|북부)?|강원|충북|충남|전북|전남|경북|경남|제주|대구|인천|광주|대전|울산"
_LICENSE = re.compile(rf"(?:(?<![가-힣])(?:{_REGIONS})\s?\d{{2}}{SEP}|{_ND}\d{{2}}{SEP1}\d{{2}}{SEP1})\d{{6}}{SEP1}\d{{2}}{_NA}")
_LICENSE_COMPACT = re.compile(rf"{_ND}\d{{12}}{_NA}")
_LICENSE_WORDS = re.compile(r"면허")
_PASSPORT = re.compile(r"(?<![A-Za-z0-9])[MSRGDmsrgd]\s?(?:\d{8}|\d{3}[A-Za-z]\d{4}|\d{4}\s\d{4})(?!\d)")
_PASSPORT_CONTEXT = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,2}\s?\d{7,8}(?!\d)")
_PASSPORT_WORDS = re.compile(r"여권|passport", re.I)


def _digit_count(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def accounts(view: View) -> Iterator[Hit]:
    text = view.text
    for m in _ACCOUNT_HYPHEN.finditer(text):
        if 10 <= _digit_count(m.group()) <= 16:
            yield Hit("account", *m.span())
    for m in _ACCOUNT_LOOSE.finditer(text):
        if 10 <= _digit_count(m.group()) <= 16 and _context(text, m.start(), m.end(), _BANK_WORDS, 24, 16):
            yield Hit("account", *m.span())


def licences_and_passports(view: View) -> Iterator[Hit]:
    text = view.text
    for m in _LICENSE.finditer(text):
        yield Hit("driver_license", *m.span())
    for m in _LICENSE_COMPACT.finditer(text):
        if _context(text, m.start(), m.end(), _LICENSE_WORDS, 16, 0):
            yield Hit("driver_license", *m.span())
    for m in _PASSPORT.finditer(text):
        yield Hit("passport", *m.span())
    for m in _PASSPORT_CONTEXT.finditer(text):
        if _context(text, m.start(), m.end(), _PASSPORT_WORDS, 16, 0):
            yield Hit("passport", *m.span())


# -- email ---------------------------------------------------------------------------------------
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+\s?@\s?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_SPOKEN_EMAIL = re.compile(
    r"[A-Za-z0-9._%+-]+\s*(?:골뱅이|앳|\sat\s)\s*[A-Za-z0-9-]+(?:\s*(?:점|닷|\sdot\s|\.)\s*[A-Za-z]{2,})+", re.I)
_KOREAN_DOMAIN_EMAIL = re.compile(
    r"[A-Za-z0-9._%+-]+\s*(?:골뱅이|@|앳)\s*(?:네이버|지메일|다음|한메일|카카오|네이트|naver|gmail|daum|hanmail|kakao|nate)"
    r"(?:\s*(?:닷|점|\.)\s*(?:컴|넷|com|net|co\.kr|kr))?", re.I)


def emails(view: View) -> Iterator[Hit]:
    for pattern in (_EMAIL, _SPOKEN_EMAIL, _KOREAN_DOMAIN_EMAIL):
        for m in pattern.finditer(view.text):
            yield Hit("email", *m.span())


# -- addresses -----------------------------------------------------------------------------------
_SIDO = ("서울특별시|서울시|서울|부산광역시|부산시|부산|대구광역시|대구시|대구|인천광역시|인천시|인천|광주광역시|광주시|광주"
         "|대전광역시|대전시|대전|울산광역시|울산시|울산|세종특별자치시|세종시|세종|경기도|경기|강원특별자치도|강원도|강원"
         "|충청북도|충북|충청남도|충남|전북특별자치도|전라북도|전북|전라남도|전남|경상북도|경북|경상남도|경남"
         "|제주특별자치도|제주도|제주")
_SGG = r"(?!(?:다시|혹시|당시|표시|요구|친구|입구|가구|연구|도구|출구|부근)\b)[가-힣]{1,5}(?:시|군|구)"
_ROAD = r"[가-힣0-9]{1,12}(?:로|길|동|읍|면|리|가)"
_NUM = r"\d+(?:-\d+)?(?:번지|번길|호|동|층|가|단지)?"
_BUILDING = r"[가-힣A-Za-z0-9]{1,12}(?:아파트|빌라|오피스텔|타워|빌딩|맨션|스퀘어|캐슬|자이|푸르지오|래미안|더샵|하이츠|마을)"
_UNIT_NO = r"[가-힣A-Za-z]{1,12}\s*\d+(?:동|호|층)"  # "센텀시티 1203호"
_TAIL = rf"(?:\s*,?\s*(?:{_BUILDING}|{_NUM}|{_UNIT_NO}))*"
_ADDRESS = re.compile(
    rf"(?<![가-힣])(?:(?:{_SIDO})(?:\s+{_SGG}){{0,2}}\s+{_ROAD}(?:\s+(?:{_ROAD}|{_NUM}))*"
    rf"|{_SGG}(?:\s+{_SGG})?\s+{_ROAD}(?:\s+{_ROAD})?\s+{_NUM}){_TAIL}")


def addresses(view: View) -> Iterator[Hit]:
    for m in _ADDRESS.finditer(view.text):
        value = m.group()
        if not re.search(r"\d", value) and len(value.split()) < 3:
            continue  # "서울 강남구" alone is a district, not an address
        yield Hit("address", m.start(), m.end())


# -- names ---------------------------------------------------------------------------------------
DOUBLE_SURNAMES = ("남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방", "어금", "망절")
SURNAMES = set("김이박최정강조윤장임한오서신권황안송류유전홍고문양손배백허남심노하곽성차주우구민진나지엄채원천방공현함변염여추"
               "도소석선설마길위표기반왕금옥육인맹제모탁국은편용예경봉")
_NAME_CONTEXT = re.compile(
    r"(?:성함|이름|예금주|명의자|가입자|보호자|법정\s*대리인|아들|딸|남편|아내|와이프|어머니|아버지|엄마|아빠|동생|형|누나|언니|오빠"
    r"|할머니|할아버지|신랑|부인|조카|손자|손녀)(?:은|는|이|가|이요|님|:)?\s*$")
_NAME_CANDIDATE = re.compile(r"(?<![가-힣])([가-힣])\s?([가-힣]{2})(?=\s|$|[,.?!]|이고|이요|입니다|이에요|예요|고요|님|씨|고객|이|가|는|은|요|"
                             r"명의|하고|랑|이랑|의)")
_HONORIFIC_NAME = re.compile(r"(?<![가-힣])([가-힣][가-힣]{2})\s?(?=님|씨|고객님)")
_NOT_NAMES = {
    "정확히", "정말로", "이번에", "지금은", "오늘도", "고객님", "전화를", "전화로", "이거는", "이것도", "유심을", "장기간", "한번에",
    "신청서", "명의로", "명의는", "요금제", "이쪽에", "이번엔", "조금만", "전부다", "이렇게", "우리가", "우리는", "한달에", "진짜로",
    "이용자", "가족들", "성함은", "성함이", "성함도", "이름은", "이름이", "명의자", "예금주", "가입자", "보호자", "하나도", "구매자", "구입자", "사용자", "신청자", "본인이", "본인은", "본인도", "본인의", "전화번", "연락처",
}


def _name_like(surname: str, given: str) -> bool:
    word = surname + given
    return surname in SURNAMES and word not in _NOT_NAMES and given[-1] not in "에로를을도께만서" and \
        not re.search(r"[0-9]", word)


def context_names(view: View) -> Iterator[Hit]:
    text = view.text
    for m in _NAME_CANDIDATE.finditer(text):
        if _NAME_CONTEXT.search(text[max(0, m.start() - 12):m.start()]) and _name_like(m.group(1), m.group(2)):
            yield Hit("name", m.start(), m.end())
    for m in _HONORIFIC_NAME.finditer(text):
        if _name_like(m.group(1)[0], m.group(1)[1:]):
            yield Hit("name", *m.span(1))


def name_variants(name: str) -> list[str]:
    """"김철수" → 김철수, 김 철수, 철수; "응우옌 반 안" → 응우옌 반 안, 응우옌반안, 반 안, 반안."""
    name = " ".join(name.split())
    if len(name.replace(" ", "")) < 2:
        return []
    variants = [name, name.replace(" ", "")]
    parts = name.split(" ")
    if len(parts) > 1:
        given = " ".join(parts[1:])
    elif len(name) >= 3:
        cut = 2 if name[:2] in DOUBLE_SURNAMES and len(name) >= 4 else 1
        given = name[cut:]
        variants.append(f"{name[:cut]} {given}")
    else:
        given = ""
    if len(given.replace(" ", "")) >= 2:
        variants += [given, given.replace(" ", "")]
    return list(dict.fromkeys(variants))


def _name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    variants = sorted({v for n in names if n for v in name_variants(n)}, key=len, reverse=True)
    if not variants:
        return None
    alternatives = "|".join(r"\s*".join(map(re.escape, v.replace(" ", ""))) for v in variants)
    return re.compile(rf"(?<![가-힣A-Za-z])(?:{alternatives})")


def known_names(names: Iterable[str]) -> Callable[[View], Iterator[Hit]]:
    pattern = _name_pattern(names)

    def find(view: View) -> Iterator[Hit]:
        if pattern is None:
            return
        for m in pattern.finditer(view.text):
            yield Hit("name", *m.span())

    return find


DIGIT_RECOGNIZERS: tuple[Callable[[View], Iterator[Hit]], ...] = (
    phones, registration_numbers, cards, accounts, licences_and_passports, dates_of_birth, card_expiry,
)
TEXT_RECOGNIZERS: tuple[Callable[[View], Iterator[Hit]], ...] = (emails, addresses, context_names)
