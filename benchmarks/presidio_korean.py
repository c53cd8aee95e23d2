"""Presidio on the PII corpus, fully offline: run by bench_redaction.py in an interpreter that has
presidio-analyzer (not a dependency of the app). Prints {"predictions": {id: [[start, end, category]]},
"ms_per_utterance": …} as JSON.

No spaCy model is loaded or downloaded: the NLP engine is `spacy.blank("xx")` (a tokenizer with
no weights), which is enough for Presidio's context words. Recognizers: Presidio's own Korean
ones (KR_RRN, KR_FRN, KR_PASSPORT, KR_DRIVER_LICENSE), email, credit card, phone (phonenumbers,
region KR), plus custom PatternRecognizers for what Presidio lacks (mobile/landline shapes,
accounts, dates of birth, card expiry, addresses) and a deny-list recognizer per utterance for the
caller's and other customers' name variants — the same information the built-in redactor gets.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import spacy
from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    KrDriverLicenseRecognizer,
    KrFrnRecognizer,
    KrPassportRecognizer,
    KrRrnRecognizer,
    PhoneRecognizer,
)

LANG = "ko"
CATEGORY = {"KR_RRN": "rrn", "KR_FRN": "arn", "KR_PASSPORT": "passport", "KR_DRIVER_LICENSE": "driver_license",
            "EMAIL_ADDRESS": "email", "CREDIT_CARD": "card", "PHONE_NUMBER": "phone", "KR_PHONE": "phone",
            "KR_ACCOUNT": "account", "KR_DOB": "dob", "CARD_EXPIRY": "card_expiry", "KR_ADDRESS": "address",
            "PERSON": "name"}


class BlankNlpEngine(NlpEngine):
    """Tokens only (spaCy's blank multi-language pipeline: rules, no trained weights)."""

    def __init__(self) -> None:
        self.nlp = spacy.blank("xx")

    def load(self) -> None:
        pass

    def is_loaded(self) -> bool:
        return True

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        doc = self.nlp(text)
        return NlpArtifacts(entities=[], tokens=doc, tokens_indices=[t.idx for t in doc],
                            lemmas=[t.text for t in doc], nlp_engine=self, language=language)

    def process_batch(self, texts, language, batch_size=1, n_process=1, **kwargs):
        for text in texts:
            yield text, self.process_text(text, language)

    def is_stopword(self, word: str, language: str) -> bool:
        return False

    def is_punct(self, word: str, language: str) -> bool:
        return not any(ch.isalnum() for ch in word)

    def get_supported_entities(self) -> list[str]:
        return []

    def get_supported_languages(self) -> list[str]:
        return [LANG]


def pattern(entity: str, regexes: list[str], context: list[str], score: float = 0.5) -> PatternRecognizer:
    return PatternRecognizer(supported_entity=entity, supported_language=LANG, context=context,
                             patterns=[Pattern(f"{entity}-{i}", rx, score) for i, rx in enumerate(regexes)])


SIDO = r"(?:서울(?:특별시|시)?|부산(?:광역시)?|대구(?:광역시)?|인천(?:광역시)?|광주(?:광역시)?|대전(?:광역시)?|울산(?:광역시)?" \
       r"|세종(?:특별자치시|시)?|경기도?|강원(?:특별자치도|도)?|충청[남북]도|충[남북]|전라[남북]도|전[남북]|경상[남북]도|경[남북]" \
       r"|제주(?:특별자치도|도)?)"


def build_analyzer() -> AnalyzerEngine:
    registry = RecognizerRegistry(supported_languages=[LANG])
    for recognizer in (KrRrnRecognizer(), KrFrnRecognizer(), KrPassportRecognizer(), KrDriverLicenseRecognizer(),
                       EmailRecognizer(supported_language=LANG), CreditCardRecognizer(supported_language=LANG),
                       PhoneRecognizer(supported_language=LANG, supported_regions=("KR",))):
        registry.add_recognizer(recognizer)
    registry.add_recognizer(pattern("KR_PHONE", [
        r"(?<!\d)(?:\+82[\s-]?|0)1[016789][\s.-]?\d{3,4}[\s.-]?\d{4}(?!\d)",
        r"(?<!\d)0(?:2|[3-6][1-5]|70)[\s.)-]?\d{3,4}[\s.-]?\d{4}(?!\d)"], ["번호", "연락처", "전화"]))
    registry.add_recognizer(pattern("KR_ACCOUNT", [r"(?<!\d)\d{2,6}(?:-\d{2,7}){2,3}(?!\d)", r"(?<!\d)\d{10,14}(?!\d)"],
                                    ["계좌", "은행", "예금주", "자동이체", "환불"], 0.4))
    registry.add_recognizer(pattern("KR_DOB", [
        r"(?<!\d)(?:19|20)?\d{2}[./-]\d{1,2}[./-]\d{1,2}(?!\d)",
        r"(?<!\d)(?:19|20)?\d{2}\s*년\s*\d{1,2}\s*월\s*\d{1,2}\s*일", r"(?<!\d)(?:19)?\d{2}년생",
        r"(?<!\d)(?:19|20)?\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)"], ["생년월일", "생일", "생년", "출생"], 0.3))
    registry.add_recognizer(pattern("CARD_EXPIRY", [r"(?<!\d)(?:0?[1-9]|1[0-2])\s*/\s*(?:20)?\d{2}(?!\d)",
                                                    r"(?<!\d)(?:20)?\d{2}\s*년\s*\d{1,2}\s*월"], ["유효기간", "만료"], 0.3))
    registry.add_recognizer(pattern("KR_ADDRESS", [
        SIDO + r"(?:\s+[가-힣]{1,5}(?:시|군|구)){0,2}\s+[가-힣0-9]{1,12}(?:로|길|동|읍|면|리)(?:\s+\d+(?:-\d+)?(?:번지|번길)?)*",
        r"[가-힣]{1,5}구\s+[가-힣0-9]{1,12}(?:로|길|동)\s+\d+(?:-\d+)?"], ["주소", "배송지"], 0.5))
    return AnalyzerEngine(registry=registry, nlp_engine=BlankNlpEngine(), supported_languages=[LANG])


def name_variants(name: str) -> list[str]:
    name = " ".join(name.split())
    out = [name, name.replace(" ", "")]
    if " " not in name and len(name) >= 3:
        out += [f"{name[0]} {name[1:]}", name[1:]]
    elif " " in name:
        out.append(name.split(" ", 1)[1])
    return [v for v in dict.fromkeys(out) if len(v.replace(" ", "")) >= 2]


def main() -> None:
    corpus = Path(sys.argv[1])
    records = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    analyzer = build_analyzer()
    predictions: dict[str, list[list]] = {}
    started = time.perf_counter()
    for record in records:
        names = [n for n in [record.get("caller"), *record.get("others", [])] if n]
        ad_hoc = []
        if names:
            variants = sorted({v for n in names for v in name_variants(n)}, key=len, reverse=True)
            ad_hoc.append(PatternRecognizer(supported_entity="PERSON", supported_language=LANG, deny_list=variants))
        results = analyzer.analyze(text=record["text"], language=LANG, score_threshold=0.3,
                                   ad_hoc_recognizers=ad_hoc or None)
        spans = []
        for r in sorted(results, key=lambda r: (-r.score, -(r.end - r.start))):
            if any(r.start < e and s < r.end for s, e, _c in spans):
                continue
            spans.append([r.start, r.end, CATEGORY.get(r.entity_type, r.entity_type.lower())])
        predictions[record["id"]] = spans
    elapsed = time.perf_counter() - started
    print(json.dumps({"predictions": predictions, "ms_per_utterance": 1000 * elapsed / max(1, len(records))},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
