"""Normalisation and tokenisation: the ways residents write one word meet in one form."""

import threading

import pytest

from faq.retrieval.text import answer_lead, katakana_to_hiragana, normalize, tokenizer


def test_normalize_width_variants_become_one_form():
    assert normalize("ＭＹナンバー１２３") == "MYナンバー123"
    assert normalize("ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ") == "マイナンバーカード"
    assert normalize("８：３０〜") == "8:30〜"


def test_normalize_break_markers_and_blanks_separate_words():
    normalized = normalize("　受付時間＜改＞平日　８：３０<改>ｶﾞｲﾄﾞ\t\n  ")

    assert normalized.split() == ["受付時間", "平日", "8:30", "ガイド"]
    assert normalized == normalized.strip()
    assert "  " not in normalized


@pytest.mark.parametrize("blank", ["", "   ", "\u3000\t\n"])
def test_normalize_blank_text_is_empty(blank):
    assert normalize(blank) == ""


def test_katakana_to_hiragana_joins_script_variants():
    assert katakana_to_hiragana("ゴミ") == "ごみ"
    assert katakana_to_hiragana("ハンコ") == "はんこ"
    assert katakana_to_hiragana("ソファー") == "そふぁー"
    assert katakana_to_hiragana("粗大ゴミ ABC 123") == "粗大ごみ ABC 123"


def test_answer_lead_keeps_whole_opening_sentences():
    answer = "■ 転入届は14日以内に出してください。持ち物は本人確認書類です。窓口は住民課です。"

    assert answer_lead(answer, max_chars=30) == "転入届は14日以内に出してください。"
    assert answer_lead(answer) == "転入届は14日以内に出してください。持ち物は本人確認書類です。窓口は住民課です。"


def test_answer_lead_cuts_an_overlong_first_sentence():
    assert answer_lead("あ" * 150 + "。続き。") == "あ" * 100


def test_answer_lead_of_bullets_only_is_empty():
    assert answer_lead("■□● ※") == ""


@pytest.mark.parametrize(
    ("one", "other"),
    [
        pytest.param("ゴミの出し方", "ごみの出し方", id="katakana-hiragana"),
        pytest.param("粗大ゴミ", "粗大ごみ", id="compound"),
        pytest.param("申込方法", "申し込み方法", id="okurigana"),
        pytest.param("子どもの手当", "子供の手当", id="kanji-kana-mix"),
        pytest.param("ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ", "マイナンバーカード", id="half-width-kana"),
        pytest.param("ハンコ", "はんこ", id="hanko"),
    ],
)
def test_tokenizer_spelling_variants_give_same_tokens(one, other):
    assert tokenizer().tokens(one) == tokenizer().tokens(other)
    assert tokenizer().tokens(one)


def test_tokenizer_drops_particles_auxiliaries_and_symbols():
    assert tokenizer().tokens("住民票を取りたいです。") == ["住民", "票", "取る"]
    assert tokenizer().tokens("！？、。") == []
    assert tokenizer().tokens("   ") == []


def test_tokenizer_lowercases_latin_and_normalises_digits():
    assert tokenizer().tokens("ＭＹナンバー１２３") == ["my", "なんばー", "123"]


def test_tokenizer_break_marker_separates_words():
    assert tokenizer().tokens("受付時間＜改＞平日") == ["受け付け", "時間", "平日"]


def test_tokenizer_is_shared_and_safe_across_threads() -> None:
    texts = ["粗大ごみの収集を申し込みたい。", "住民票の写しを取りたい。", "国民健康保険に加入したい。"] * 20
    expected = [tokenizer().tokens(text) for text in texts]
    results: dict[int, list[list[str]]] = {}

    def work(number: int) -> None:
        results[number] = [tokenizer().tokens(text) for text in texts]

    threads = [threading.Thread(target=work, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert tokenizer() is tokenizer()
    assert results == dict.fromkeys(range(4), expected)
