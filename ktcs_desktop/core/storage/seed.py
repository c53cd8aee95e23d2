"""Sample callers for a first start, and a generator of realistic synthetic customers.

Usage is generated relative to `today` so the last three months are always recent. Everything
is deterministic for a given random seed and `today`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ktcs_desktop.core.models import ContractType, Speaker, UsageMonth
from ktcs_desktop.core.storage.database import Database
from ktcs_desktop.core.storage.repositories import ConsultationRepository, CustomerRepository, NewCustomer


def month_start(day: date, months_back: int) -> date:
    """First day of the month `months_back` months before `day`'s month."""
    index = day.year * 12 + (day.month - 1) - months_back
    return date(index // 12, index % 12 + 1, 1)


def _usage(rng: random.Random, today: date, mean_gb: float, voice: int, months: int = 6,
           spread: float = 0.15) -> tuple[UsageMonth, ...]:
    """`months` months of usage, newest first, starting with last month (the current one is partial)."""
    rows = []
    for back in range(1, months + 1):
        gb = max(0.05, rng.gauss(mean_gb, mean_gb * spread))
        minutes = max(0, int(rng.gauss(voice, voice * 0.2)))
        rows.append(UsageMonth(month_start(today, back), round(gb, 2), minutes, rng.randint(0, 40)))
    return tuple(rows)


@dataclass(frozen=True)
class SampleCall:
    days_ago: int
    summary: str
    outcome: str
    lines: tuple[tuple[Speaker, str], ...]


def sample_customers(today: date | None = None) -> list[NewCustomer]:
    """The seed's callers: five named ones plus a foreigner and a teen for eligibility coverage."""
    today = today or date.today()
    rng = random.Random(20261126)

    return [
        NewCustomer(
            phone="01012345678", name="김철수", birth_date=date(1981, 3, 15),
            current_plan="5G 베이직", join_date=date(2019, 4, 2),
            contract_type=ContractType.SELECTIVE_24, contract_end=today + timedelta(days=200),
            usage=_usage(rng, today, 11.5, 320),
            notes="데이터 사용량 대비 요금 부담 문의 이력",
        ),
        NewCustomer(
            phone="01087654321", name="이영희", birth_date=date(1958, 7, 2),
            current_plan="5G 슬림 10GB", join_date=date(2015, 9, 21),
            usage=_usage(rng, today, 3.2, 410),
            notes="통화량 많음, 데이터는 적게 사용",
        ),
        NewCustomer(
            phone="01011112222", name="박지민", birth_date=date(2001, 11, 20),
            current_plan="5G 심플 50GB", join_date=date(2021, 2, 14),
            contract_type=ContractType.SELECTIVE_12, contract_end=today - timedelta(days=20),
            usage=_usage(rng, today, 68.0, 150, spread=0.2),
            notes="영상 스트리밍 많음, 넷플릭스 관심",
        ),
        NewCustomer(
            phone="01055556666", name="최민수", birth_date=date(1990, 5, 5),
            current_plan="5G 슬림 14GB", join_date=date(2020, 6, 1), is_welfare=True,
            usage=_usage(rng, today, 17.0, 260),
            notes="복지 할인 대상(장애인 등록)",
        ),
        NewCustomer(
            phone="01099998888", name="정미영", birth_date=date(1972, 9, 30),
            current_plan="5G 초이스 베이직", join_date=date(2012, 1, 10),
            contract_type=ContractType.SELECTIVE_24, contract_end=today + timedelta(days=420),
            usage=_usage(rng, today, 24.0, 280),
            notes="넷플릭스 초이스 혜택 이용 중",
        ),
        NewCustomer(
            phone="01077773333", name="응우옌 반 안", birth_date=date(1996, 2, 11),
            current_plan="5G 웰컴 3", join_date=date(2024, 3, 4), is_foreigner=True,
            usage=_usage(rng, today, 4.1, 120),
            notes="외국인 등록증 확인 완료, 한국어 의사소통 가능",
        ),
        NewCustomer(
            phone="01022223333", name="정하늘", birth_date=date(today.year - 15, 1, 8),  # stays a teen whenever seeded
            current_plan="5G Y틴", join_date=date(2023, 3, 2),
            usage=_usage(rng, today, 8.5, 90),
            notes="법정대리인(어머니 정미영) 동의 필요",
        ),
    ]


def _sample_calls(phone: str) -> tuple[SampleCall, ...]:
    calls: dict[str, tuple[SampleCall, ...]] = {
        "01012345678": (
            SampleCall(95, "월 요금 부담 문의. 최근 데이터 사용량(월 10GB 안팎) 안내, 슬림 요금제 비교 설명.",
                       "검토 후 재연락", ((Speaker.CALLER, "요금이 너무 많이 나와서요."),
                                      (Speaker.AGENT, "최근 사용량을 확인해 보겠습니다."))),
            SampleCall(30, "해외 출장 로밍 문의. 로밍 요금제 안내.", "안내 완료", ()),
        ),
        "01087654321": (
            SampleCall(60, "시니어 요금제 가입 가능 여부 문의. 만 65세 이상 대상 안내.", "안내 완료", ()),
        ),
        "01011112222": (
            SampleCall(12, "데이터 초과로 속도 제한 불만. 무제한 요금제 비교 요청.", "재상담 예정",
                       ((Speaker.CALLER, "데이터가 자꾸 모자라요."),)),
        ),
        "01099998888": (
            SampleCall(200, "초이스 베이직 OTT 선택(넷플릭스) 변경 문의.", "처리 완료", ()),
        ),
    }
    return calls.get(phone, ())


_SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
_GIVEN = "민서지현준영수진하윤예도우연성은재호경미태희동혜승유나원"

# Plans a synthetic customer may be on (names as in the catalog), by eligibility group.
_GENERAL_PLANS = ("5G 슬림 4GB", "5G 슬림 7GB", "5G 슬림 10GB", "5G 슬림 14GB", "5G 슬림 21GB",
                  "5G 심플 30GB", "5G 심플 50GB", "5G 심플 70GB", "5G 심플 110G", "5G 베이직",
                  "5G 스페셜", "5G 초이스 베이직", "5G 초이스 스페셜", "요고 30", "요고 36", "요고 44")
_Y_PLANS = ("5G Y 슬림", "5G Y 베이직", "5G Y 스페셜")
_SENIOR_PLANS = ("5G 시니어 베이직", "5G 시니어 A형")
_WELCOME_PLANS = ("5G 웰컴 1", "5G 웰컴 3", "5G 웰컴 5")
_WELFARE_PLANS = ("5G 슬림 복지", "5G 심플 복지", "5G 베이직 복지")
_PLAN_TYPICAL_GB = {
    "5G 슬림 4GB": 3, "5G 슬림 7GB": 5.5, "5G 슬림 10GB": 8, "5G 슬림 14GB": 11, "5G 슬림 21GB": 17,
    "5G 심플 30GB": 24, "5G 심플 50GB": 40, "5G 심플 70GB": 55, "5G 심플 110G": 85, "5G 베이직": 60,
    "5G 스페셜": 90, "5G 초이스 베이직": 70, "5G 초이스 스페셜": 100, "요고 30": 6, "요고 36": 16,
    "요고 44": 32, "5G Y 슬림": 12, "5G Y 베이직": 60, "5G Y 스페셜": 90, "5G 시니어 베이직": 10,
    "5G 시니어 A형": 7, "5G 웰컴 1": 1, "5G 웰컴 3": 2.5, "5G 웰컴 5": 4, "5G 슬림 복지": 11,
    "5G 심플 복지": 80, "5G 베이직 복지": 60, "5G 주니어": 4, "5G Y틴": 8,
}


def _birth_date_for_age(rng: random.Random, today: date, age: int) -> date:
    """A random birthday such that the person is exactly `age` (만 나이) today."""
    last_birthday = today - timedelta(days=rng.randint(0, 364))
    try:
        return last_birthday.replace(year=last_birthday.year - age)
    except ValueError:  # 29 February in a non-leap year
        return last_birthday.replace(year=last_birthday.year - age, day=28)


def synthetic_customers(count: int, *, seed: int = 7, today: date | None = None,
                        exclude_phones: set[str] | None = None) -> list[NewCustomer]:
    """`count` synthetic customers with plausible plans for their age/flags and 6 months of usage.

    Phone numbers are unique, deterministic for the seed, and avoid `exclude_phones`.
    """
    today = today or date.today()
    rng = random.Random(seed)
    exclude = set(exclude_phones or ())
    customers: list[NewCustomer] = []
    used: set[str] = set()
    while len(customers) < count:
        phone = f"010{rng.randint(20000000, 99999999)}"
        if phone in used or phone in exclude:
            continue
        used.add(phone)
        age = int(min(92, max(8, rng.gauss(43, 17))))
        birth = _birth_date_for_age(rng, today, age)
        is_foreigner = rng.random() < 0.03
        is_welfare = not is_foreigner and rng.random() < 0.05
        if is_foreigner:
            plan = rng.choice(_WELCOME_PLANS + _GENERAL_PLANS[:6])
        elif is_welfare:
            plan = rng.choice(_WELFARE_PLANS + _GENERAL_PLANS[:5])
        elif age <= 12:
            plan = "5G 주니어"
        elif age <= 18:
            plan = rng.choice(("5G Y틴", "5G 슬림 4GB"))
        elif age <= 34:
            plan = rng.choice(_Y_PLANS + _GENERAL_PLANS)
        elif age >= 65:
            plan = rng.choice(_SENIOR_PLANS + _GENERAL_PLANS[:5])
        else:
            plan = rng.choice(_GENERAL_PLANS)
        typical = _PLAN_TYPICAL_GB[plan] * rng.uniform(0.4, 1.5)
        contract = rng.choice((ContractType.NONE, ContractType.SELECTIVE_12, ContractType.SELECTIVE_24))
        if plan.startswith("요고"):
            contract = ContractType.NONE
        contract_end = today + timedelta(days=rng.randint(-60, 700)) if contract is not ContractType.NONE else None
        customers.append(
            NewCustomer(
                phone=phone,
                name=rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN),
                birth_date=birth,
                current_plan=plan,
                join_date=today - timedelta(days=rng.randint(30, 365 * 15)),
                is_foreigner=is_foreigner,
                is_welfare=is_welfare,
                contract_type=contract,
                contract_end=contract_end,
                usage=_usage(rng, today, typical, int(rng.uniform(30, 600))),
            )
        )
    return customers


@dataclass(frozen=True)
class SeedReport:
    samples_added: int
    synthetic_added: int
    total: int


def seed_database(db: Database, *, synthetic: int = 0, today: date | None = None, seed: int = 7,
                  agent_id: str = "agent-001") -> SeedReport:
    """Insert the sample callers (skipping ones already present) and `synthetic` more customers.

    Sample callers get a few earlier consultations so the history pane has content.
    """
    today = today or date.today()
    customers = CustomerRepository(db)
    consultations = ConsultationRepository(db)
    samples = sample_customers(today)
    present = customers.existing_phones(c.phone for c in samples)
    new_samples = [c for c in samples if c.phone not in present]
    customers.add_many(new_samples)
    for sample in new_samples:
        profile = customers.by_phone(sample.phone)
        assert profile is not None
        for call in _sample_calls(sample.phone):
            started = datetime.combine(today - timedelta(days=call.days_ago), datetime.min.time()).replace(hour=10)
            cid = consultations.start(profile.id, agent_id, started_at=started)
            for offset, (speaker, text) in enumerate(call.lines):
                consultations.append_line(cid, speaker, text, at=started + timedelta(seconds=20 * (offset + 1)))
            consultations.close(cid, summary=call.summary, outcome=call.outcome,
                                ended_at=started + timedelta(minutes=6))
    added_synthetic = 0
    if synthetic:
        generated = synthetic_customers(synthetic, seed=seed, today=today,
                                        exclude_phones={c.phone for c in samples})
        already = customers.existing_phones(c.phone for c in generated)
        added_synthetic = customers.add_many([c for c in generated if c.phone not in already])
    return SeedReport(len(new_samples), added_synthetic, customers.count())
