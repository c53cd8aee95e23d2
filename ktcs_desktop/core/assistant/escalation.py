"""Spot caller utterances that need another team or a supervisor (rules, no model).

`detect_escalation("해지하고 싶어요")` → Escalation(kind="cancellation", severity="high",
suggested_transfer="해지방어팀", matched="해지"). The UI shows it as a warning banner and records
an "escalation" event; the offline assistant answers ESCALATION questions with it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Escalation:
    kind: str  # supervisor | complaint | cancellation | name_transfer | arrears
    severity: str  # high | medium
    suggested_transfer: str
    matched: str  # the phrase that triggered it
    label: str  # Korean description

    def as_payload(self) -> dict:
        return asdict(self)

    @property
    def message(self) -> str:
        return f"{self.label} 감지 (“{self.matched}”) → {self.suggested_transfer} 이관을 검토하세요."


@dataclass(frozen=True)
class _Rule:
    kind: str
    severity: str
    transfer: str
    label: str
    pattern: re.Pattern[str]


# Order matters: the first rule that matches wins (a supervisor request beats a complaint).
_RULES: tuple[_Rule, ...] = (
    _Rule("supervisor", "high", "상급자(팀장)", "상급자 연결 요청", re.compile(
        r"(팀장|책임자|상급자|윗사람|관리자|매니저|슈퍼바이저)\s*(님)?\s*(좀|을|를|이랑|하고|과|와)?\s*"
        r"(바꿔|연결|불러|나오|통화|데려|찾)"
        r"|(상담원|상담사|사람|직원)\s*(이랑|하고|과|와|을|를|한테|으로|로)?\s*(좀\s*)?(연결|바꿔|통화|얘기|이야기)"
        r"|사람이랑\s*통화|ARS\s*말고|기계\s*말고|상담원\s*연결")),
    _Rule("cancellation", "high", "해지방어팀", "해지 의사", re.compile(
        r"해지|번호\s*이동|타사로\s*(옮|이동|갈)|통신사(를)?\s*(바꾸|옮기|갈아타)|(SKT|SK텔레콤|LG\s*U\+|유플러스|알뜰폰)"
        r"\s*(로|으로)\s*(옮|가|갈|바꾸|이동)")),
    _Rule("complaint", "high", "고객불만 전담", "불만·민원", re.compile(
        r"불만|민원|항의|화(가)?\s*(나|났)|짜증|열받|어이(가)?\s*없|소비자\s*(원|보호)|방통위|신고\s*(할|하겠|할게)"
        r"|고소|사과\s*(하|해)|너무\s*하(시|네)|말이\s*(돼|됩)")),
    _Rule("name_transfer", "medium", "명의변경 전담", "명의변경 요청", re.compile(
        r"명의\s*(변경|이전|양도)|명의를\s*(바꾸|변경|넘기|옮기)|명의자\s*변경")),
    _Rule("arrears", "medium", "수납/미납 상담", "미납·연체", re.compile(
        r"미납|연체|체납|요금을?\s*못\s*(냈|내|납부)|납부\s*(기한|연기|유예)|이용\s*정지|독촉|분납")),
)


def detect_escalation(text: str) -> Escalation | None:
    """The first escalation rule `text` triggers, or None."""
    if not text or not text.strip():
        return None
    for rule in _RULES:
        match = rule.pattern.search(text)
        if match:
            return Escalation(rule.kind, rule.severity, rule.transfer, match.group(0).strip(), rule.label)
    return None
