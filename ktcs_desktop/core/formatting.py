"""How amounts are written for agents: one place, so every pane, answer and export agrees."""

from __future__ import annotations


def won(amount: int) -> str:
    """55000 → "55,000원"."""
    return f"{amount:,}원"


# How the last character of a word is read aloud decides the particle (조사): 은/는, 이/가 …
_DIGIT_HAS_FINAL = {"0": True, "1": True, "2": False, "3": True, "4": False, "5": False, "6": True, "7": True,
                    "8": True, "9": False}
_LATIN_HAS_FINAL = set("LMNR")  # 엘, 엠, 엔, 알; other letters are read ending in a vowel (비, 지, 와이 …)
_SYMBOL_HAS_FINAL = {"+": (False, False), "%": (False, False)}  # 플러스, 퍼센트 are read aloud
_PARTICLES = {"은/는": ("은", "는"), "이/가": ("이", "가"), "을/를": ("을", "를"), "과/와": ("과", "와"),
              "으로/로": ("으로", "로")}


def _has_final_consonant(word: str) -> tuple[bool, bool]:
    """(has a final consonant, that consonant is ㄹ) for the last readable character of `word`."""
    for char in reversed(word.strip()):
        if char in _SYMBOL_HAS_FINAL:
            return _SYMBOL_HAS_FINAL[char]
        if "가" <= char <= "힣":
            final = (ord(char) - 0xAC00) % 28
            return final != 0, final == 8
        if char.isdigit():
            return _DIGIT_HAS_FINAL[char], char in "178"
        if char.isascii() and char.isalpha():
            upper = char.upper()
            return upper in _LATIN_HAS_FINAL, upper in "LR"
    return False, False


def josa(word: str, particle: str) -> str:
    """`word` with the right particle: josa("5G 베이직", "은/는") → "5G 베이직은", josa("요고 30", "이/가") → "요고 30이"."""
    with_final, without_final = _PARTICLES[particle]
    has_final, is_rieul = _has_final_consonant(word)
    if particle == "으로/로":
        return word + ("로" if not has_final or is_rieul else "으로")
    return word + (with_final if has_final else without_final)
