"""Spot caller utterances that need another team or a supervisor (rules, no model).

`detect_escalation("해지하고 싶어요")` → Escalation(kind="cancellation", severity="high",
suggested_transfer="해지방어팀", matched="해지", confidence=0.9, evidence="해지하고 싶어요"). The UI shows
it as a warning banner and records an "escalation" event; the offline assistant answers ESCALATION
questions with it.

A keyword is not enough: "해지는 안 하고 요금제만 바꾸고 싶어요" is negated, "약정 해지하면 위약금
얼마예요?" is a question to answer, "넷플릭스 부가서비스 해지" is about an add-on, not the line.
`analyze_escalation` returns the signal with its confidence and evidence even when it is not an
alert; `detect_escalation` returns only alerts (confidence ≥ ALERT_THRESHOLD).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

ALERT_THRESHOLD = 0.5


@dataclass(frozen=True)
class Escalation:
    kind: str  # supervisor | complaint | cancellation | name_transfer | arrears
    severity: str  # high | medium
    suggested_transfer: str
    matched: str  # the phrase that triggered it
    label: str  # Korean description
    confidence: float = 1.0  # 0–1; below ALERT_THRESHOLD it is not an alert
    evidence: str = ""  # the clause the decision rests on
    reading: str = "request"  # request | statement | question | negated | other_object

    def as_payload(self) -> dict:
        return asdict(self)

    @property
    def is_alert(self) -> bool:
        return self.confidence >= ALERT_THRESHOLD

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
    questions_answerable: bool = True  # a question about it is answered, not transferred


# Order matters: the first rule that matches wins (a supervisor request beats a complaint).
_RULES: tuple[_Rule, ...] = (
    _Rule("supervisor", "high", "상급자(팀장)", "상급자 연결 요청", re.compile(
        r"(팀장|책임자|상급자|윗사람|관리자|매니저|슈퍼바이저)\s*(님)?\s*(좀|을|를|이랑|랑|하고|과|와|한테)?\s*"
        r"(바꿔|연결|불러|나오|통화|데려|찾|얘기|이야기)"
        r"|(상담원|상담사|사람|직원)\s*(이랑|하고|과|와|을|를|한테|으로|로)?\s*(좀\s*)?(연결|바꿔|통화|얘기|이야기)"
        r"|다른\s*(분|사람|상담원|상담사|직원)\s*(으로|로|을|를)?\s*(좀\s*)?(바꿔|연결)"
        r"|사람이랑\s*통화|ARS\s*말고|기계\s*말고|상담원\s*연결"), questions_answerable=False),
    _Rule("cancellation", "high", "해지방어팀", "해지 의사", re.compile(
        r"해지|탈퇴|번호\s*이동|타사로\s*(옮|이동|갈)|통신사(를)?\s*(바꾸|바꿀|옮기|갈아타)"
        r"|(SKT|SK텔레콤|에스케이|LG\s*U\+|엘지|유플러스|알뜰폰)\s*(로|으로)\s*(옮|가|갈|바꾸|이동|번호)"
        r"|(KT|케이티)\s*(를|는)?\s*(그만|안)\s*(쓰|쓸)")),
    _Rule("complaint", "high", "고객불만 전담", "불만·민원", re.compile(
        r"불만|민원|항의|화(가)?\s*(나|났)|짜증|열받|어이(가)?\s*없|소비자\s*(원|보호)|방통위|신고\s*(할|하겠|할게)"
        r"|고소|사과\s*(하|해)|너무\s*하(시|네)|말이\s*(돼|됩)"), questions_answerable=False),
    _Rule("name_transfer", "medium", "명의변경 전담", "명의변경 요청", re.compile(
        r"명의\s*(변경|이전|양도)|명의(를|는)?\s*(?:[가-힣]+\s+){0,3}?(바꾸|바꿔|변경|넘기|넘겨|옮기)|명의자\s*변경")),
    _Rule("arrears", "medium", "수납/미납 상담", "미납·연체", re.compile(
        r"미납|연체|체납|요금을?\s*못\s*(냈|내|납부)|납부\s*(기한|연기|유예)|납부\s*(좀\s*)?(미루|미뤄)"
        r"|이용\s*정지|독촉|분납")),
)

_CLAUSE_END = re.compile(r"[.?!,]|(?:어요|아요|에요|예요|해요|세요|네요|게요|래요|니다|죠)(?=\s|$)")
# a negation close after the keyword: "해지는 안 하고", "해지할 생각은 없어요", "민원 넣으려는 건 아니고"
_NEGATION = re.compile(r"(?:^|[\s은는을를이가도])(?:안(?:\s|$)|않|말고|아니|없|필요\s*없)")
_REQUEST = re.compile(r"싶|할게|할께|할래|해\s*주|해줘|하려고|하려구|할\s*거|할\s*겁|합니다|하겠|요청|접수|신청|부탁"
                      r"|옮길|옮기려|갈아탈|갈\s*거|가려고|바꿀\s*거|그만|넣겠|넣을|넣으려|나오라|불러|연결|바꿔|이동할")
_QUESTION = re.compile(r"\?|얼마|어떻게|어떡|언제|몇|무엇|뭐|되나|돼요\s*\?|되는지|나요|까요|있어요\s*\?|있나|인가요|예요\s*\?")
_CONDITIONAL = re.compile(r"^\s*(?:이|가|은|는|을|를)?\s*(?:하|되|돼|시키|해|있|했)?\s*(?:으면|면|시에?|할\s*때|한다면|하게\s*되면|되면|되나|돼요|되는)")
# what comes right before "해지": an add-on or a contract is cancelled, not the line
_OTHER_OBJECT = re.compile(r"(부가\s*서비스|부가|구독|넷플릭스|넷플|티빙|유튜브|디즈니|밀리|지니|매거진|약정|로밍|결합"
                           r"|자동\s*이체|서비스)\s*(을|를|은|는|도|만|좀)?\s*$")


def _clause_after(text: str, end: int) -> str:
    tail = text[end:end + 16]
    cut = _CLAUSE_END.search(tail)
    return tail[:cut.start()] if cut else tail


def _sentence(text: str, start: int, end: int) -> str:
    left = max(text.rfind(ch, 0, start) for ch in ".?!\n") + 1
    rights = [i for i in (text.find(ch, end) for ch in ".?!\n") if i >= 0]
    right = min(rights) + 1 if rights else len(text)
    return text[left:right].strip()


def analyze_escalation(text: str) -> Escalation | None:
    """The strongest escalation signal in `text` with how sure it is, or None when nothing matches."""
    if not text or not text.strip():
        return None
    best: Escalation | None = None
    for rule in _RULES:
        for match in rule.pattern.finditer(text):
            esc = _judge(rule, text, match)
            if best is None or esc.confidence > best.confidence:
                best = esc
            if best.confidence >= 0.9:
                return best
    return best


def _judge(rule: _Rule, text: str, match: re.Match[str]) -> Escalation:
    sentence = _sentence(text, match.start(), match.end())
    after = _clause_after(text, match.end())
    before = text[max(0, match.start() - 12):match.start()]
    reading, confidence = "statement", 0.7
    if _NEGATION.search(after):
        reading, confidence = "negated", 0.1
    elif rule.kind == "cancellation" and _OTHER_OBJECT.search(before) and "번호" not in match.group(0):
        reading, confidence = "other_object", 0.2
    elif _REQUEST.search(after) or (_REQUEST.search(sentence) and not _QUESTION.search(sentence)):
        reading, confidence = "request", 0.9
    elif rule.questions_answerable and (_CONDITIONAL.search(after) or _QUESTION.search(sentence)):
        if _CONDITIONAL.search(after) or rule.kind in ("cancellation", "name_transfer"):
            reading, confidence = "question", 0.3
    return Escalation(rule.kind, rule.severity, rule.transfer, match.group(0).strip(), rule.label,
                      confidence, sentence, reading)


def detect_escalation(text: str) -> Escalation | None:
    """The escalation `text` calls for (an alert), or None."""
    esc = analyze_escalation(text)
    return esc if esc is not None and esc.is_alert else None
