"""Korean text → search terms: Kiwi morphemes, normalised numbers/units and plan-name aliases.

One tokenizer feeds both BM25 and the hashing embedder so a query and a document meet on the same
terms ("슬림 십사기가" and "5G 슬림 14GB" both yield `슬림`, `14gb`).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from types import ModuleType
from typing import Any

from ktcs_desktop.core.catalog.resolve import WORD_ALIASES
from ktcs_desktop.core.korean_numbers import normalize_korean_numbers

_kiwi = None
_kiwi_lock = threading.Lock()


def kiwi() -> Any:  # kiwipiepy.Kiwi (the package ships no type information)
    """The shared Kiwi analyser, created on first use (loading its model takes about a second)."""
    global _kiwi
    if _kiwi is None:
        with _kiwi_lock:
            if _kiwi is None:
                # Imported statically so PyInstaller bundles the module, not only its data files;
                # the explicit path also works when a bundle only has the data directory.
                import kiwipiepy_model
                from kiwipiepy import Kiwi

                # No multi-word (WikiData proper noun) dictionary: it doubles the load time and adds
                # ~185 MB, and yields the same terms on every indexed document and eval question.
                _kiwi = Kiwi(model_path=_kiwi_model_path(kiwipiepy_model), load_multi_dict=False)
    return _kiwi


def _kiwi_model_path(module: ModuleType) -> str:
    getter = getattr(module, "get_model_path", None)
    if getter is not None:
        return str(getter())
    return list(module.__path__)[0]  # a namespace package made of the bundled data files


# Misspellings and English forms → the Hangul spelling used in the catalog.
_SPELLINGS: dict[str, str] = {}
for _aliases in WORD_ALIASES.values():
    hangul = next((a for a in _aliases if not a.isascii()), None)
    if hangul is None:
        continue
    for alias in _aliases:
        if alias != hangul and not alias.isascii():
            _SPELLINGS[alias] = hangul
_SPELLINGS.update({"유튜브 프리미엄": "유튜브프리미엄", "유튭": "유튜브", "넷플": "넷플릭스", "디즈니플러스": "디즈니+",
                   "기가바이트": "GB", "기가": "GB", "노인": "시니어", "어르신": "시니어", "외국인": "외국인 웰컴",
                   "청소년": "청소년 Y틴", "어린이": "어린이 주니어", "초등학생": "어린이 주니어",
                   "학생": "학생 Y틴", "청년": "청년 Y", "젊은": "청년 Y", "무제한": "무제한", "약정": "약정", "이월": "이월"})
_SPELLING_RE = re.compile("|".join(sorted(map(re.escape, _SPELLINGS), key=len, reverse=True)))
_Y_RE = re.compile(r"(?<![가-힣])와이(?![가-힣]{2})|(?<![가-힣a-z])y(?=\s|틴|teen|요금|$|[^a-z])")
_MAN_AGE_RE = re.compile(r"만\s*(?=[0-9일이삼사오육칠팔구십]+\s*(?:세|살))")
_UNIT_CANON = {"gb": "gb", "g": "gb", "기가": "gb", "원": "원", "만원": "만원", "mbps": "mbps", "kbps": "kbps",
               "분": "분", "세": "세", "살": "세", "개월": "개월", "%": "%", "프로": "%"}
_KEEP_TAGS = ("NN", "NP", "VV", "VA", "XR", "SL", "SN", "SH", "MAG", "NR")
_STOP = {"요금", "나", "저희", "우리", "제가", "내", "되", "하", "있", "없", "알", "주", "좀", "어떻", "뭐", "거", "것", "수", "이", "그", "저", "다"}


def normalize(text: str) -> str:
    """NFKC, lower case, Korean numerals as digits, aliases spelled as in the catalog."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _MAN_AGE_RE.sub("", text)  # "만 65세": 만 is 만 나이, not 10,000
    text = normalize_korean_numbers(text)
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    text = _SPELLING_RE.sub(lambda m: _SPELLINGS[m.group(0)], text)
    text = _Y_RE.sub(" y ", text)
    return text


@lru_cache(maxsize=4096)
def tokenize(text: str) -> tuple[str, ...]:
    """Search terms of `text`: content morphemes plus joined number+unit terms ("14gb", "55000원")."""
    tokens = kiwi().tokenize(normalize(text))
    terms: list[str] = []
    for i, tok in enumerate(tokens):
        form = tok.form.lower()
        tag = tok.tag.split("-")[0]
        if not tag.startswith(_KEEP_TAGS) or form in _STOP:
            continue
        if tag == "SN" and form == "5" and i + 1 < len(tokens) and tokens[i + 1].form.lower() == "g":
            continue  # "5G" the network; the "g" token below emits "5g"
        if tag == "SN" and i + 1 < len(tokens):
            unit = _UNIT_CANON.get(tokens[i + 1].form.lower())
            if unit is not None and tokens[i + 1].start == tok.start + tok.len:
                terms.append(f"{form}{unit}")
                if unit == "만원":
                    terms.append(f"{form}0000원")
        if tag == "SL" and form == "g" and i > 0 and tokens[i - 1].form == "5":
            terms.append("5g")
            continue
        terms.append(_UNIT_CANON.get(form, form) if tag in ("SL", "NNB") else form)
    return tuple(terms)
