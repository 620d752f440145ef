"""Personal information residents type never reaches the turn log (every column) or the stored response."""

import json
import unicodedata

import pytest
from django.core import serializers

from chatbot.models import Turn
from chatbot.pipeline import turn_ask
from chatbot.privacy import my_number_is_valid
from faq.models import Faq


def valid_my_number(first_eleven: str) -> str:
    """The twelve-digit My Number with the check digit that makes it valid."""
    return next(first_eleven + d for d in "0123456789" if my_number_is_valid(first_eleven + d))


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


MY_NUMBER = valid_my_number("12345678901")
OTHER_MY_NUMBER = valid_my_number("80412360975")

# (question, the personal information in it)
QUESTIONS: list[tuple[str, list[str]]] = [
    ("電話番号は090-1234-5678です。粗大ごみを出したい", ["090-1234-5678"]),
    ("０９０－８７６５－４３２１に折り返し電話をください", ["０９０－８７６５－４３２１"]),
    ("自宅の電話 03-3581-2468 が通じません。水道の手続きは？", ["03-3581-2468"]),
    ("携帯080 2345 6789までショートメールください", ["080 2345 6789"]),
    ("（0467）23-4567へ連絡をお願いします。国保のことです", ["（0467）23-4567"]),
    ("Please call me at +81-90-1111-2222 about my dog registration.", ["+81-90-1111-2222", "1111-2222"]),
    ("連絡先は07011223344です（日中）。印鑑登録をしたい", ["07011223344"]),
    ("０３－１２３４－５６７８（自宅）に電話してください", ["０３－１２３４－５６７８"]),
    ("メールアドレスは taro.yamada@example.co.jp です。転入届について", ["taro.yamada@example.co.jp"]),
    ("ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ に返信をお願いします", ["ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ"]),
    ("Please reply to john.smith+town@example.com about the nursery.", ["john.smith+town@example.com"]),
    ("k-sato@example.ne.jp宛に申請書を送ってください", ["k-sato@example.ne.jp"]),
    (f"マイナンバーは{MY_NUMBER}です。住民票の写しを取りたい", [MY_NUMBER]),
    (f"個人番号 {MY_NUMBER[:4]} {MY_NUMBER[4:8]} {MY_NUMBER[8:]} を届け出たい", [MY_NUMBER[:4] + " " + MY_NUMBER[4:8]]),
    (f"My Number is {MY_NUMBER[:4]}-{MY_NUMBER[4:8]}-{MY_NUMBER[8:]}. How do I get a resident record?", []),
    (f"マイナンバー：{fullwidth(MY_NUMBER)}", [fullwidth(MY_NUMBER)]),
    (f"{OTHER_MY_NUMBER}の番号で児童手当の申請はできますか", [OTHER_MY_NUMBER]),
    ("住所は本町1丁目2番3号です。転出届を出したい", ["本町1丁目2番3号", "2番3号"]),
    ("大字本郷456番地の7に住んでいます。ごみの出し方を教えて", ["456番地の7"]),
    ("桜ケ丘3丁目5番地の家の前に粗大ごみが捨てられています", ["桜ケ丘3丁目5番地"]),
    ("〒100-8914 東京都千代田区永田町1-6-1 に住んでいます", ["100-8914", "永田町1-6-1"]),
    ("緑町4丁目5番6号 ハイツ緑101号室に転入しました", ["緑町4丁目5番6号", "5番6号"]),
    ("山田太郎様宛ての郵便物が届きました", ["山田太郎"]),
    ("担当の佐藤花子様から案内がありました", ["佐藤花子"]),
    ("田中 一郎 様の転入届を代わりに出したい", ["田中 一郎"]),
    ("鈴木美咲様にお礼を伝えたいです", ["鈴木美咲"]),
    (
        "山田花子様（090-2222-3333、hanako.y@example.jp）の住民票を取りたい",
        ["山田花子", "090-2222-3333", "hanako.y@example.jp"],
    ),
    (
        "氏名：高橋健太 電話：０８０－９８７６－５４３２ 住所：本町2丁目8番9号",
        ["高橋健太", "０８０－９８７６－５４３２", "2丁目8番9号"],
    ),
    (f"My Number {MY_NUMBER} and phone 090-5555-6666, please call me", ["090-5555-6666"]),
    (
        "Contact: mike.brown@example.org, tel 03-5555-0101. I want to register my dog.",
        ["mike.brown@example.org", "03-5555-0101"],
    ),
    ("生年月日は1985年4月12日です。国民健康保険に入りたい", ["1985年4月12日"]),
]


def forms(pii: str) -> set[str]:
    """The text as typed, NFKC-normalised, and (for numbers) its digits alone."""
    normalised = unicodedata.normalize("NFKC", pii)
    digits = "".join(c for c in normalised if c.isdecimal())
    return {pii, normalised} | ({digits} if len(digits) >= 7 else set())


ALL_PII = sorted(
    {form for _question, items in QUESTIONS for item in items for form in forms(item)}
    | {MY_NUMBER, OTHER_MY_NUMBER, "-".join((MY_NUMBER[:4], MY_NUMBER[4:8], MY_NUMBER[8:]))}
)


def test_the_my_numbers_are_valid() -> None:
    assert my_number_is_valid(MY_NUMBER)
    assert my_number_is_valid(OTHER_MY_NUMBER)
    assert not my_number_is_valid(MY_NUMBER[:11] + str((int(MY_NUMBER[11]) + 1) % 10))
    assert len(QUESTIONS) >= 30


@pytest.mark.django_db
def test_personal_information_never_reaches_the_turn_log(indexed_town: dict[str, Faq]) -> None:
    responses = [
        turn_ask(question=question, idempotency_key=f"web:pii-{i}") for i, (question, _) in enumerate(QUESTIONS)
    ]

    assert Turn.objects.count() == len(QUESTIONS)
    logged = serializers.serialize("json", Turn.objects.all(), ensure_ascii=False)
    returned = json.dumps(responses, ensure_ascii=False)
    leaks = [pii for pii in ALL_PII if pii in logged]
    assert leaks == []
    assert [pii for pii in ALL_PII if pii in returned] == []
    # The questions are still logged (redacted), with what was removed.
    for turn in Turn.objects.all():
        assert turn.question.strip()
        assert turn.redacted_kinds, turn.question
        assert "［" in turn.question
    kinds = {kind for turn in Turn.objects.all() for kind in turn.redacted_kinds}
    assert kinds >= {"phone", "email", "my_number", "address", "name", "birth_date"}
