"""Test data for the ways residents write an address without 丁目/番地, and a phone number said aloud.

ADDRESS_CASES: addresses with two numbers only (梅田1-1), after a city or ward, after a postal code, with the
prefecture left out, a district alone, kanji and full-width digits, every hyphen, 番/号, の, a building and room.
PHONE_CASES: phone numbers with の, kanji digits, katakana and English digit words, full-width digits, spaces,
dots, slashes, underscores and brackets. VARIANT_NEGATIVES: FAQ text with numbers that look like them (floors,
windows, dates, form numbers, ranges, fees, tables, scores of a count) and that must stay as they are.
"""

from __future__ import annotations

from tests.chatbot.pii_corpus import DASHES, PiiCase, fullwidth, kanji_digits


def _address(text: str, *items: str) -> PiiCase:
    return PiiCase(text, tuple((item, "address") for item in items))


def _phone(text: str, *items: str) -> PiiCase:
    return PiiCase(text, tuple((item, "phone") for item in items))


_ADDRESS_TEMPLATES = (
    "{}に住んでいます",
    "住所は{}です。転出届を出したい",
    "{}の家の前にごみが捨てられています",
    "{}へ引っ越しました。転入届はいつまでですか",
    "実家が{}にあります",
    "{}",
)
_ADDRESSES = (
    "大阪市北区梅田1-1",
    "東京都千代田区千代田1-1",
    "北区梅田1-1",
    "梅田1-1",
    "千代田1-1",
    "大阪府大阪市北区梅田1-1",
    "横浜市中区山下町1-1",
    "名古屋市中区栄3-4",
    "札幌市中央区大通西4-1",
    "福岡市博多区博多駅前2-1",
    "さいたま市浦和区高砂3-15",
    "神戸市中央区三宮町1-5",
    "京都市下京区烏丸通7-2",
    "川崎市川崎区駅前本町11-2",
    "仙台市青葉区国分町3-7",
    "港区六本木6-10",
    "渋谷区神南1-19",
    "世田谷区太子堂4-1",
    "新宿区西新宿2-8",
    "前橋市大手町1-1",
    "高崎市高松町35-1",
    "浜松市中区元城町103-2",
    "吉祥寺2-3",
    "六本木6-10",
    "霞が関1-2",
)


def _address_values() -> list[PiiCase]:
    cases: list[PiiCase] = []
    for i, address in enumerate(_ADDRESSES):
        cases.append(_address(_ADDRESS_TEMPLATES[i % len(_ADDRESS_TEMPLATES)].format(address), address))
    # Every hyphen, full-width digits, kanji digits.
    for i, dash in enumerate(DASHES):
        address = f"北区梅田{i + 1}{dash}{i + 2}"
        cases.append(_address(f"{address}に住んでいます", address))
    for address in ("大阪市北区梅田１－１", "千代田区千代田１‐１", "梅田１ー２"):
        cases.append(_address(f"住まいは{address}です", address))
    cases.append(_address(fullwidth("北区梅田3-4") + "に住んでいます", fullwidth("北区梅田3-4")))
    for address in ("大阪市北区梅田一－一", "北区梅田" + kanji_digits("2-5"), "梅田一ー一"):
        cases.append(_address(f"{address}に住んでいます", address))
    return cases


ADDRESS_CASES: tuple[PiiCase, ...] = (
    *_address_values(),
    # After a postal code.
    PiiCase(
        "〒100-0001 東京都千代田区千代田1-1", (("100-0001", "postal_code"), ("東京都千代田区千代田1-1", "address"))
    ),
    PiiCase("〒530-0001 大阪市北区梅田1-1 に送って", (("530-0001", "postal_code"), ("大阪市北区梅田1-1", "address"))),
    PiiCase("〒530-0001 梅田1-1", (("530-0001", "postal_code"), ("梅田1-1", "address"))),
    PiiCase("郵便番号は100-0001、千代田1-1です", (("100-0001", "postal_code"), ("千代田1-1", "address"))),
    # 一丁目 and 番/号 without 番地.
    _address("大阪市北区梅田一丁目1-1に住んでいます", "大阪市北区梅田一丁目1-1"),
    _address("梅田一丁目一番一号です", "梅田一丁目一番一号"),
    _address("北区梅田1番1号に引っ越しました", "北区梅田1番1号"),
    _address("梅田3丁目1-1 梅田ハイツ", "梅田3丁目1-1"),
    # Three numbers, and の between them.
    _address("北区梅田1-1-1に住んでいます", "北区梅田1-1-1"),
    _address("梅田１－１－１に住んでいます", "梅田１－１－１"),
    _address("梅田1の1の1に住んでいます", "梅田1の1の1"),
    _address("住所は北区梅田1の1です", "北区梅田1の1"),
    # A building and a room.
    _address("大阪市北区梅田1-1 〇〇マンション101号室に住んでいます", "大阪市北区梅田1-1 〇〇マンション101号室"),
    _address("北区梅田2-3 梅田ハイツ202号室", "北区梅田2-3 梅田ハイツ202号室"),
    _address("梅田1-1 101号室です", "梅田1-1 101号室"),
    _address("千代田区千代田1-1 メゾン千代田305号室に住んでいます", "千代田区千代田1-1 メゾン千代田305号室"),
    _address("梅田1-1-1 グランドメゾン梅田3番館808号室", "梅田1-1-1 グランドメゾン梅田3番館808号室"),
    # Prefecture left out, and a district name in front of the block only.
    _address("北区梅田1-1の実家の空き家について相談したい", "北区梅田1-1"),
    _address("元城町219-17に住んでいます", "元城町219-17"),
    _address("本町2-3の自宅から", "本町2-3"),
    # A city written in hiragana, a district ending like a facility word (竹園).
    _address("実家がさいたま市浦和区高砂3-15にあります", "さいたま市浦和区高砂3-15"),
    _address("つくば市竹園1-1に住んでいます", "つくば市竹園1-1"),
)

_PHONE_TEMPLATES = (
    "電話番号は{}です",
    "{}に折り返しお願いします",
    "連絡先：{}",
    "携帯は{}です。日中はつながります",
    "Please call me at {}.",
    "{}",
)
_PHONES = (
    "090の1234の5678",
    "〇九〇の一二三四の五六七八",
    "〇九〇ー一二三四ー五六七八",
    "〇九〇 一二三四 五六七八",
    "ゼロキューゼロの1234の5678",
    "ゼロキューゼロ、イチニーサンヨン、ゴーロクナナハチ",
    "ゼロハチゼロ イチイチニーニー サンサンヨンヨン",
    "マルサンのイチニーサンヨンのゴーロクナナハチ",
    "zero nine zero, one two three four, five six seven eight",
    "oh eight oh one two three four five six seven eight",
    "０９０－１２３４－５６７８",
    "０９０　１２３４　５６７８",
    "０９０１２３４５６７８",
    "090 1234 5678",
    "090  1234  5678",
    "090.1234.5678",
    "090/1234/5678",
    "090_1234_5678",
    "(090)1234-5678",
    "(090) 1234 5678",
    "（０９０）１２３４－５６７８",
    "［090］1234-5678",
    "【090】1234-5678",
    "090(1234)5678",
    "03(1234)5678",
    "0 9 0 1 2 3 4 5 6 7 8",
    "090 の 1234 の 5678",
    "〇三の一二三四の五六七八",
    "0120の123の456",
    "090ー1234ー5678",
)

PHONE_CASES: tuple[PiiCase, ...] = tuple(
    _phone(_PHONE_TEMPLATES[i % len(_PHONE_TEMPLATES)].format(phone), phone) for i, phone in enumerate(_PHONES)
)

VARIANT_NEGATIVES = (
    "本庁舎1階 1番窓口",
    "本庁舎1階の1番窓口で受け付けています",
    "2023年4月1日",
    "2023年4月1日から受付開始です",
    "第1-2号様式を使ってください",
    "1-2月は窓口が混みます",
    "手数料は1-2千円です",
    "料金は1-2万円程度です",
    "資料1-1を見てください",
    "表1-1と図2-3を参照",
    "別表1-2の金額です",
    "問1-2の答えを教えて",
    "第1-2回の会議録",
    "1-2限目の授業",
    "3年1組と3の2組",
    "会議室1-2で説明会があります",
    "北区役所1-2階の窓口",
    "区民センター2-1会議室",
    "市営住宅の申込は1-2週間かかります",
    "バス路線の10-3系統",
    "国道1-2号線",
    "東口2-3番乗り場",
    "申請から2-3日かかります",
    "0-2歳児クラス",
    "4-5月は混雑します",
    "駅から徒歩5-10分",
    "受付は1-3番窓口です",
    "1-2人で来てください",
    "1の1の手続き",
    "ページ1-2に書いてあります",
    "令和8年4月1日",
    "2026/04/01",
    "8:30-17:15",
    "電話番号は市外局番から書きますか",
    "ワンちゃんのサンポとゴハン",
    "サンキュー、ワンツースリー",
    "one two three four, I declare a thumb war",
    "Is the office open from 9 to 5?",
    "ゴミの日はニ回です",
    "平成1-2年度の資料",
    "1,500円と2,000円",
    "北1条西2丁目のバス停",
    "本町1丁目の集積所",
    "15-20人の団体",
    "第3期分と第4期分",
    "1-2級の障害者手帳",
    "1-2位の表彰",
    "100-200円の手数料",
    "令和7年度1-2期分",
    "全1-2巻の本",
)
