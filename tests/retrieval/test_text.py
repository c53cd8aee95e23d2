from ktcs_desktop.core.retrieval.text import normalize, tokenize


def test_numbers_and_units_meet_catalog_spelling():
    assert "14gb" in tokenize("슬림 십사기가")
    assert "14gb" in tokenize("5G 슬림 14GB")
    assert "55000원" in tokenize("월 55,000원")
    assert "5g" in tokenize("5G 심플 110G") and "110gb" in tokenize("5G 심플 110G")
    assert "5gb" not in tokenize("5G 슬림")


def test_aliases_and_misspellings():
    assert tokenize("쵸이스 베이식") == tokenize("초이스 베이직")
    assert "y" in tokenize("와이 요금제")
    assert "시니어" in tokenize("어르신 요금제")
    assert "넷플릭스" in tokenize("넷플 되나요")


def test_man_age_is_not_ten_thousand():
    terms = tokenize("만 65세 고객")
    assert "65세" in terms and "10000" not in terms
    assert "10000원" not in normalize("만 65세")


def test_inflected_words_become_their_lemma():
    from ktcs_desktop.core.retrieval.text import morphemes

    first = morphemes("싼 요금제")[0]
    assert (first.form, first.tag, first.start, first.len) == ("싸", "VA", 0, 1)  # 싼 = 싸/VA + ᆫ/ETM
    assert "싸" in tokenize("싼 거 있어요?") and "알리" in tokenize("알려 주세요")
    assert tokenize("요금제가 얼마예요") == tokenize("요금제 얼마")  # particles and endings dropped


def test_an_alias_inside_the_catalog_spelling_is_not_replaced_again():
    assert tokenize("넷플릭스 요금제") == tokenize("넷플 요금제") == ("넷플릭스", "요금제")
    assert normalize("외국인 웰컴") == "외국인 웰컴"


def test_each_thread_has_its_own_tagger():
    import threading

    from ktcs_desktop.core.retrieval.text import _tagger

    seen: list[object] = []
    thread = threading.Thread(target=lambda: seen.append(_tagger()))
    thread.start()
    thread.join()
    assert _tagger() is _tagger() and seen[0] is not _tagger()


def test_native_path_is_unchanged_off_windows_or_for_ascii(tmp_path, monkeypatch):
    import sys

    from ktcs_desktop.core.retrieval.text import _native_path

    korean = tmp_path / "상담원"
    assert _native_path(tmp_path) == str(tmp_path)
    monkeypatch.setattr(sys, "platform", "linux")
    assert _native_path(korean) == str(korean)
