from ktcs_desktop.core.retrieval.text import kiwi, normalize, tokenize


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


def test_kiwi_is_a_singleton():
    assert kiwi() is kiwi()


def test_kiwi_model_path_without_the_module_code(tmp_path):
    import types

    from ktcs_desktop.core.retrieval.text import _kiwi_model_path

    namespace = types.SimpleNamespace(__path__=[str(tmp_path)])  # what a bundle with data only looks like
    assert _kiwi_model_path(namespace) == str(tmp_path)
