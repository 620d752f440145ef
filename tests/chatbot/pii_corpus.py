"""Test data for chatbot.privacy: resident questions with and without personal information.

Everything here is made up. Numbers are generated with a fixed seed so that the corpus is the same on
every run; valid My Numbers get their check digit from the Ministry's algorithm (implemented again
here, independently of the module under test), card numbers get a Luhn check digit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

DASHES = ("-", "‐", "‑", "‒", "–", "—", "―", "−", "ー", "ｰ", "－")
SEPARATORS = (*DASHES, " ", "　", "")


@dataclass(frozen=True)
class PiiCase:
    """A question and the personal information in it: (substring that must disappear, expected kind)."""

    text: str
    items: tuple[tuple[str, str], ...]


def fullwidth(text: str) -> str:
    """ASCII letters, digits and symbols as their full-width forms (spaces become ideographic)."""
    return "".join("　" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def kanji_digits(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "〇一二三四五六七八九"))


def my_number_check_digit(first_eleven: str) -> str:
    """Check digit of an individual number (番号法施行令 第8条), written straight from the spec."""
    total = 0
    for n in range(1, 12):
        p = int(first_eleven[11 - n])  # P_n: n-th digit counted from the right
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    remainder = total % 11
    return "0" if remainder <= 1 else str(11 - remainder)


def luhn_complete(prefix: str) -> str:
    """``prefix`` followed by the Luhn check digit."""
    total = 0
    for i, c in enumerate(reversed(prefix)):
        value = int(c)
        if i % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return prefix + str((10 - total % 10) % 10)


RNG = random.Random(20260401)


def _digits(count: int) -> str:
    return "".join(RNG.choice("0123456789") for _ in range(count))


def valid_my_number() -> str:
    first = _digits(11)
    return first + my_number_check_digit(first)


def invalid_my_number() -> str:
    first = _digits(11)
    good = my_number_check_digit(first)
    return first + RNG.choice([d for d in "0123456789" if d != good])


VALID_MY_NUMBERS = tuple(valid_my_number() for _ in range(60))
INVALID_MY_NUMBERS = tuple(invalid_my_number() for _ in range(20))


def _cases(templates: tuple[str, ...], values: list[tuple[str, str]], kind: str) -> list[PiiCase]:
    """Each value (slot text, PII substring) in the next template, round robin."""
    return [PiiCase(templates[i % len(templates)].format(slot), ((pii, kind),)) for i, (slot, pii) in enumerate(values)]


# --------------------------------------------------------------------------------------------------
# Phone numbers
# --------------------------------------------------------------------------------------------------

PHONE_TEMPLATES = (
    "電話番号は{}です。折り返し連絡をお願いします。",
    "{}に電話をください。",
    "連絡先：{}（日中はつながります）",
    "携帯{}までショートメールで送ってもらえますか",
    "自宅の電話{}が不通です。転居の手続きはどうすればいいですか",
    "Please call me back at {} about my residence card.",
    "My phone number is {}, thanks.",
    "粗大ごみの申し込みをした者です。連絡は{}へお願いします",
    "日中は{}、夜は不在です",
)


def _phone_shapes() -> list[tuple[str, str, str]]:
    """Digit groups of phone numbers of every Japanese shape."""
    shapes: list[tuple[str, str, str]] = []
    for area in ("03", "06", "011", "045", "092", "0467", "0555", "01267", "04992"):
        local_length = 10 - len(area) - 4  # fixed lines have 10 digits in all
        shapes.append((area, str(RNG.randint(1, 9)) + _digits(local_length - 1), _digits(4)))
    for prefix in ("070", "080", "090", "050", "020"):
        shapes.append((prefix, str(RNG.randint(1000, 9999)), _digits(4)))
    shapes.append(("0120", str(RNG.randint(100, 999)), _digits(3)))
    shapes.append(("0800", str(RNG.randint(100, 999)), _digits(4)))
    shapes.append(("0570", str(RNG.randint(100, 999)), _digits(3)))
    return shapes


PHONE_SHAPES = _phone_shapes()


def phone_values() -> list[tuple[str, str]]:
    values: list[tuple[str, str]] = []
    # Every shape with every separator (dash variants, spaces, none).
    for i, groups in enumerate(PHONE_SHAPES):
        for j, separator in enumerate(SEPARATORS):
            if (i + j) % 3 != 0:  # a third of the combinations is plenty, but every separator occurs
                continue
            number = separator.join(groups)
            values.append((number, number))
    # Full-width digits and dashes.
    for groups in PHONE_SHAPES[::2]:
        number = fullwidth("-".join(groups))
        values.append((number, number))
    for groups in PHONE_SHAPES[1::4]:
        number = fullwidth("".join(groups))
        values.append((number, number))
    # Parentheses.
    for area, local, subscriber in PHONE_SHAPES[:9]:
        for shape in ("{a}({l}){s}", "({a}){l}-{s}", "({a}) {l}-{s}", "（{a}）{l}－{s}", "{a}（{l}）{s}"):
            number = shape.format(a=area, l=local, s=subscriber)
            values.append((number, number))
    # +81 forms.
    for area, local, subscriber in PHONE_SHAPES[:: len(PHONE_SHAPES) // 6 or 1]:
        national = area[1:]
        for shape in ("+81-{n}-{l}-{s}", "+81 {n} {l} {s}", "+81(0){n}-{l}-{s}", "+81{n}{l}{s}", "0081-{n}-{l}-{s}"):
            number = shape.format(n=national, l=local, s=subscriber)
            values.append((number, number))
        number = fullwidth(f"+81 {national} {local} {subscriber}")
        values.append((number, number))
    # Kanji digits.
    for groups in PHONE_SHAPES[3:6]:
        number = kanji_digits("ー".join(groups))
        values.append((number, number))
    return values


# --------------------------------------------------------------------------------------------------
# E-mail addresses
# --------------------------------------------------------------------------------------------------

EMAIL_TEMPLATES = (
    "メールアドレスは{}です。",
    "{}宛に申請書を送ってください",
    "返信は{}までお願いします。",
    "Please reply to {} in English.",
    "登録したアドレス（{}）が使えなくなりました",
)
EMAILS = (
    "taro.yamada@example.co.jp",
    "hanako_suzuki88@example.ne.jp",
    "k-sato+city@example.com",
    "Ichiro.Tanaka@Example.JP",
    "user1234@mail.example.org",
    "09012345678@docomo.example.jp",
    "a.b.c@sub.domain.example.jp",
    "yamada-family@example.or.jp",
    "info.nakamura@example.gr.jp",
    "m.watanabe@example.ac.jp",
)


def email_values() -> list[tuple[str, str]]:
    values = [(e, e) for e in EMAILS]
    values += [(fullwidth(e), fullwidth(e)) for e in EMAILS[:4]]
    values += [(e.replace("@", "＠"), e.replace("@", "＠")) for e in EMAILS[4:8]]
    values += [("taro.yamada[at]example.co.jp", "taro.yamada[at]example.co.jp")]
    values += [("suzuki (at) example.com", "suzuki (at) example.com")]
    values += [("hanako アットマーク example.jp", "hanako アットマーク example.jp")]
    return values


# --------------------------------------------------------------------------------------------------
# My Numbers
# --------------------------------------------------------------------------------------------------

MY_NUMBER_TEMPLATES = (
    "マイナンバーは{}です。住民票を取りたい",
    "個人番号 {} を申請書に書きましたが合っていますか",
    "My Number is {}. Can I get a copy of my residence certificate?",
    "通知カードの番号が{}なのですが、カードの受け取りはいつですか",
    "{}の番号で確定申告をしました",
    "子どもの番号（{}）を勤務先に出す必要がありますか",
)


def _group(digits: str, sizes: tuple[int, ...], separator: str) -> str:
    parts, position = [], 0
    for size in sizes:
        parts.append(digits[position : position + size])
        position += size
    return separator.join(parts)


def my_number_values() -> list[tuple[str, str]]:
    values: list[tuple[str, str]] = []
    numbers = VALID_MY_NUMBERS
    for i, number in enumerate(numbers[:26]):
        separator = SEPARATORS[i % len(SEPARATORS)]
        text = _group(number, (4, 4, 4), separator)
        values.append((text, text))
    for number in numbers[26:32]:
        values.append((number, number))
    for number in numbers[32:38]:
        text = fullwidth(_group(number, (4, 4, 4), " "))
        values.append((text, text))
    for number in numbers[38:41]:
        text = fullwidth(number)
        values.append((text, text))
    for number in numbers[41:44]:
        text = _group(number, (3, 3, 3, 3), "-")
        values.append((text, text))
    for number in numbers[44:46]:
        text = " ".join(number)
        values.append((text, text))
    for number in numbers[46:48]:
        text = kanji_digits(_group(number, (4, 4, 4), "　"))
        values.append((text, text))
    for number in numbers[48:50]:
        text = _group(number, (4, 4, 4), "／")
        values.append((f"マイナンバー{text}", text))
    for number in numbers[54:56]:
        text = _group(number, (4, 4, 4), "_")
        values.append((f"マイナンバー{text}", text))
    for number in numbers[50:52]:
        text = _group(number, (4, 4, 4), " - ")
        values.append((text, text))
    return values


def invalid_my_number_values() -> list[tuple[str, str]]:
    """12-digit numbers failing the check digit: redacted as my_number all the same (decision)."""
    values: list[tuple[str, str]] = []
    for i, number in enumerate(INVALID_MY_NUMBERS[:12]):
        text = _group(number, (4, 4, 4), " -"[i % 2]) if i % 3 else number
        values.append((text, text))
    return values


# --------------------------------------------------------------------------------------------------
# Postal codes
# --------------------------------------------------------------------------------------------------

POSTAL_TEMPLATES = (
    "送付先は{} 東京都港区です",
    "{}の地域のごみ収集日を知りたい",
    "新しい住所は{}、県外です",
    "Our zip code is {}.",
)


def postal_values() -> list[tuple[str, str]]:
    values: list[tuple[str, str]] = []
    for i in range(24):
        code = f"{RNG.randint(0, 999):03d}{RNG.randint(0, 9999):04d}"
        dash = DASHES[i % len(DASHES)]
        shapes = (
            (f"〒{code[:3]}{dash}{code[3:]}", f"{code[:3]}{dash}{code[3:]}"),
            (f"〒{code}", code),
            (f"〒 {code[:3]}-{code[3:]}", f"{code[:3]}-{code[3:]}"),
            (fullwidth(f"〒{code[:3]}-{code[3:]}"), fullwidth(f"{code[:3]}-{code[3:]}")),
            (f"郵便番号{code}", code),
            (f"郵便番号は{code[:3]}-{code[3:]}", f"{code[:3]}-{code[3:]}"),
            (f"{code[:3]}-{code[3:]}", f"{code[:3]}-{code[3:]}"),
            (f"zip {code[:3]}-{code[3:]}", f"{code[:3]}-{code[3:]}"),
        )
        values.append(shapes[i % len(shapes)])
    return values


# --------------------------------------------------------------------------------------------------
# Addresses
# --------------------------------------------------------------------------------------------------

ADDRESS_TEMPLATES = (
    "住所は{}です。転出届を出したい",
    "{}に住んでいます。ごみの出し方を教えてください",
    "{}の家の前に不法投棄があります",
    "実家が{}にあるのですが、空き家の相談はどこですか",
    "I live at {}. Where can I get a garbage calendar?",
)
ADDRESSES = (
    ("本町1丁目2番3号", "本町1丁目2番3号"),
    ("本町1-2-3", "本町1-2-3"),
    ("東京都千代田区霞が関1-2-3", "東京都千代田区霞が関1-2-3"),
    ("○○町123番地", "123番地"),
    ("大字本郷字北456番地の7", "456番地の7"),
    ("桜ケ丘3丁目5番地", "桜ケ丘3丁目5番地"),
    ("札幌市中央区北1条西2丁目3-4", "2丁目3-4"),
    ("自由が丘2丁目10-5", "自由が丘2丁目10-5"),
    ("本町１－２－３", "本町１－２－３"),
    ("本町一丁目二番三号", "本町一丁目二番三号"),
    ("本町1-2-3 ハイツ本町101号室", "本町1-2-3 ハイツ本町101号室"),
    ("緑町4丁目5-6", "緑町4丁目5-6"),
    ("中央区銀座7-8-9", "中央区銀座7-8-9"),
    ("大阪府大阪市北区梅田3丁目1番1号", "大阪府大阪市北区梅田3丁目1番1号"),
    ("栄町2番5号", "栄町2番5号"),
    ("旭町十二番地", "十二番地"),
    ("若葉台3‐14‐15", "若葉台3‐14‐15"),
    ("港区六本木6-10-1", "港区六本木6-10-1"),
    ("東町2丁目3番地の1", "東町2丁目3番地の1"),
    ("西新宿2－8－1", "西新宿2－8－1"),
    ("千代田区 霞が関1-2-3", "霞が関1-2-3"),
    ("川端町1-2", "川端町1-2"),
    ("青葉町７丁目８番９号", "青葉町７丁目８番９号"),
    ("南区新町5-6-7-203", "南区新町5-6-7-203"),
    ("北山3丁目2番地", "北山3丁目2番地"),
    ("字上野789番地", "789番地"),
    ("1-2-3 Honcho, Minato-ku", "1-2-3 Honcho"),
    ("4-5-6 Ginza, Chuo-ku", "4-5-6 Ginza"),
    ("本町1丁目2番", "本町1丁目2番"),
    ("東京都新宿区西新宿二丁目8番1号", "東京都新宿区西新宿二丁目8番1号"),
    ("北海道札幌市中央区北1条西2丁目1番地", "北海道札幌市中央区北1条西2丁目1番地"),
    ("東京都港区芝公園4-2-8", "東京都港区芝公園4-2-8"),
)


# --------------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------------

NAME_TEMPLATES = (
    "{}にお世話になりました。お礼を伝えたいです",
    "担当の{}から案内がありました",
    "{}宛ての郵便物が届きました",
    "隣の{}が引っ越しました。ごみの日を知らせたい",
    "窓口で{}に対応していただきました",
)
SURNAMES = ("山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村", "小林", "加藤", "長谷川", "佐々木")
GIVEN_NAMES = ("太郎", "花子", "一郎", "美咲", "健太", "直人", "陽菜", "大翔", "結衣", "翔")
HONORIFICS = ("様", "さん", "殿", "くん", "ちゃん", "さま", "君")


def name_values() -> list[tuple[str, str]]:
    values: list[tuple[str, str]] = []
    for i, surname in enumerate(SURNAMES):
        given = GIVEN_NAMES[i % len(GIVEN_NAMES)]
        honorific = HONORIFICS[i % len(HONORIFICS)]
        values.append((f"{surname}{given}{honorific}", f"{surname}{given}"))
        values.append((f"{surname}{HONORIFICS[(i + 1) % len(HONORIFICS)]}", surname))
    values += [
        ("田中 花子 様", "田中 花子"),
        ("田中　花子さん", "田中　花子"),
        ("林さん", "林"),
        ("森様", "森"),
        ("山田さくらさん", "山田さくら"),
        ("佐藤ゆいちゃん", "佐藤ゆい"),
        ("ジョン・スミス様", "ジョン・スミス"),
        ("ヤマダ タロウ様", "ヤマダ タロウ"),
        ("グエン・ヴァン・アンさん", "グエン・ヴァン・アン"),
        ("ｽｽﾞｷ ｲﾁﾛｳ様", "ｽｽﾞｷ ｲﾁﾛｳ"),
        ("斎藤 結衣 殿", "斎藤 結衣"),
        ("山田一二三様", "山田一二三"),
        ("Mr. Tanaka", "Tanaka"),
        ("Ms. Hanako Sato", "Hanako Sato"),
        ("Yamada-san", "Yamada"),
    ]
    return values


NAME_SPECIAL_CASES = (
    PiiCase("やまだ たろう さんの転入届を代わりに出したい", (("やまだ たろう", "name"),)),
    PiiCase("Please tell Tanaka-sama that the form arrived.", (("Tanaka", "name"),)),
    PiiCase("山田太郎と申します。住民票の写しを郵送で取り寄せたいです", (("山田太郎", "name"),)),
    PiiCase("私は鈴木 花子と申します。児童手当について質問です", (("鈴木 花子", "name"),)),
    PiiCase("氏名：高橋健太\n用件：転入届", (("高橋健太", "name"),)),
    PiiCase(
        "氏名：高橋健太 電話：０８０－９８７６－５４３２ 住所：本町2丁目8番9号",
        (("高橋健太", "name"), ("０８０－９８７６－５４３２", "phone"), ("2丁目8番9号", "address")),
    ),
    PiiCase("名前は中村 美咲です。保育園の申し込みについて", (("中村 美咲", "name"),)),
    PiiCase("申請書の氏名は小林直人です。", (("小林直人", "name"),)),
    PiiCase("My name is John Smith and I moved here last week.", (("John Smith", "name"),)),
)


# --------------------------------------------------------------------------------------------------
# Dates of birth
# --------------------------------------------------------------------------------------------------

BIRTH_CASES_RAW = (
    ("生年月日は1985年4月1日です。年金の手続きについて", "1985年4月1日"),
    ("昭和60年4月1日生まれです。国民年金の免除を受けたい", "昭和60年4月1日"),
    ("S60.4.1生の者ですが、特定健診の対象ですか", "S60.4.1"),
    ("誕生日：1985/04/01", "1985/04/01"),
    ("平成元年1月8日生まれの息子の件です", "平成元年1月8日"),
    ("令和2年5月3日に生まれた子の予防接種について", "令和2年5月3日"),
    ("DOB 1985-04-01, applying for health insurance", "1985-04-01"),
    ("I was born on April 1, 1985 in Osaka.", "April 1, 1985"),
    ("Date of birth: 1 April 1985", "1 April 1985"),
    ("生年月日 19850401 で登録されていますか", "19850401"),
    ("昭和六十年四月一日生まれです", "昭和六十年四月一日"),
    ("H1.1.8生まれです。マイナ保険証について", "H1.1.8"),
    ("１９８５年４月１日生まれです", "１９８５年４月１日"),
    ("生年月日：平成12年12月24日", "平成12年12月24日"),
    ("母の生年月日は昭和15年3月10日です", "昭和15年3月10日"),
    ("誕生日は2001年11月3日です。成人式の案内は届きますか", "2001年11月3日"),
    ("生まれは1990/7/15です", "1990/7/15"),
    ("父は1948年2月29日生まれで、介護保険の申請をしたい", "1948年2月29日"),
    ("生年月日 H30.10.5 の子どもの健診日を知りたい", "H30.10.5"),
    ("令和5年1月20日生まれの娘の児童手当について", "令和5年1月20日"),
    ("生年月日:1972.8.9", "1972.8.9"),
    ("Born 12/25/1999. Do I need to register?", "12/25/1999"),
    ("生年月日は昭和 58 年 6 月 7 日です", "昭和 58 年 6 月 7 日"),
    ("平成8年8月8日に生まれました", "平成8年8月8日"),
    ("誕生日が2010年4月2日の子の入学時期は？", "2010年4月2日"),
    ("生年月日（Ｓ５０．１．１）を書く欄があります", "Ｓ５０．１．１"),
    ("My birthday is March 3, 1980.", "March 3, 1980"),
    ("大正15年5月5日生の祖母の敬老祝い金について", "大正15年5月5日"),
    ("生年月日は1999-12-31です", "1999-12-31"),
    ("2003年7月7日生まれ、学生です。国民年金の学生納付特例を申請したい", "2003年7月7日"),
    ("DOB: 01/04/1985", "01/04/1985"),
    ("昭和60年4月1日生まれの山田です。年金の相談をしたい", "昭和60年4月1日"),
)


# --------------------------------------------------------------------------------------------------
# Bank accounts
# --------------------------------------------------------------------------------------------------

BANK_CASES_RAW = (
    ("振込先は口座番号1234567です", ("1234567",)),
    ("還付金の振込口座を普通 7654321に変更したい", ("7654321",)),
    ("当座預金 2345678 への振込でお願いします", ("2345678",)),
    ("みずほ銀行本町支店 普通預金 3456789", ("3456789",)),
    ("支店番号123 口座番号4567890 です", ("123", "4567890")),
    ("ゆうちょ銀行 記号12345 番号12345678 に振り込んでください", ("12345", "12345678")),
    ("Please pay to account number 5678901.", ("5678901",)),
    ("口座番号：１２３４５６７（普通）", ("１２３４５６７",)),
    ("児童手当の受取口座は普通口座 6789012 です", ("6789012",)),
    ("口座は当座の0123456です", ("0123456",)),
    ("引き落とし口座 普通 8901234 を変えたい", ("8901234",)),
    ("三井住友銀行 駅前支店 9012345 に振り込み済みです", ("9012345",)),
    ("店番 456 普通 1357924", ("456", "1357924")),
    ("口座番号は 246-8024 です", ("246-8024",)),
    ("貯蓄預金 1122334 は使えますか", ("1122334",)),
    ("記号 13570 番号 24681357 のゆうちょ口座です", ("13570", "24681357")),
    ("普通預金口座番号　７７７８８８９", ("７７７８８８９",)),
    ("acct no. 3141592 for the refund", ("3141592",)),
    ("当座1928374", ("1928374",)),
    ("口座番号が1010101で合っているか確認したい", ("1010101",)),
)


# --------------------------------------------------------------------------------------------------
# Credit cards
# --------------------------------------------------------------------------------------------------

CARD_TEMPLATES = (
    "カード番号は{}です。ふるさと納税の決済が失敗しました",
    "クレジットカード {} で住民税を払えますか",
    "My card {} was charged twice for the parking permit.",
    "{}で支払いました。領収書はもらえますか",
)


def card_values() -> list[tuple[str, str]]:
    values: list[tuple[str, str]] = []
    for i in range(20):
        brand = i % 5
        if brand == 0:  # Visa 16
            number = luhn_complete("4" + _digits(14))
            text = _group(number, (4, 4, 4, 4), " -"[i % 2])
        elif brand == 1:  # Mastercard 16
            number = luhn_complete("5" + str(RNG.randint(1, 5)) + _digits(13))
            text = number if i % 2 else _group(number, (4, 4, 4, 4), "－")
        elif brand == 2:  # Amex 15, 4-6-5
            number = luhn_complete("37" + _digits(12))
            text = _group(number, (4, 6, 5), " ")
        elif brand == 3:  # JCB 16, full-width
            number = luhn_complete("35" + _digits(13))
            text = fullwidth(_group(number, (4, 4, 4, 4), " "))
        else:  # Diners 14 (4-6-4) or old Visa 13
            number = luhn_complete("36" + _digits(11)) if i % 2 else luhn_complete("4" + _digits(11))
            text = _group(number, (4, 6, 4), "-") if len(number) == 14 else number
        values.append((text, text))
    return values


# --------------------------------------------------------------------------------------------------
# Several kinds in one question
# --------------------------------------------------------------------------------------------------

COMBINED_CASES = (
    PiiCase(
        "山田太郎です。電話090-1234-5678、メールtaro@example.jpまで連絡ください",
        (("090-1234-5678", "phone"), ("taro@example.jp", "email")),
    ),
    PiiCase(
        "〒100-0013 東京都千代田区霞が関1-2-3 佐藤花子様 宛に送ってください",
        (("100-0013", "postal_code"), ("霞が関1-2-3", "address"), ("佐藤花子", "name")),
    ),
    PiiCase(
        f"マイナンバー{_group(VALID_MY_NUMBERS[52], (4, 4, 4), ' ')}、生年月日は昭和50年1月1日です",
        ((_group(VALID_MY_NUMBERS[52], (4, 4, 4), " "), "my_number"), ("昭和50年1月1日", "birth_date")),
    ),
    PiiCase(
        "03-1234-5678 090-8765-4321 のどちらかにお願いします",
        (("03-1234-5678", "phone"), ("090-8765-4321", "phone")),
    ),
    PiiCase(
        f"{VALID_MY_NUMBERS[53]} 0312345678",
        ((VALID_MY_NUMBERS[53], "my_number"), ("0312345678", "phone")),
    ),
    PiiCase(
        "本町2丁目3番4号の鈴木一郎さん（TEL 0467-12-3456）が申請者です",
        (("本町2丁目3番4号", "address"), ("鈴木一郎", "name"), ("0467-12-3456", "phone")),
    ),
)


def build_corpus() -> list[PiiCase]:
    corpus: list[PiiCase] = []
    corpus += _cases(PHONE_TEMPLATES, phone_values(), "phone")
    corpus += _cases(EMAIL_TEMPLATES, email_values(), "email")
    corpus += _cases(MY_NUMBER_TEMPLATES, my_number_values(), "my_number")
    corpus += _cases(MY_NUMBER_TEMPLATES, invalid_my_number_values(), "my_number")
    corpus += _cases(POSTAL_TEMPLATES, postal_values(), "postal_code")
    corpus += _cases(ADDRESS_TEMPLATES, list(ADDRESSES), "address")
    corpus += _cases(NAME_TEMPLATES, name_values(), "name")
    corpus += list(NAME_SPECIAL_CASES)
    corpus += [PiiCase(text, ((pii, "birth_date"),)) for text, pii in BIRTH_CASES_RAW]
    corpus += [PiiCase(text, tuple((pii, "bank_account") for pii in piis)) for text, piis in BANK_CASES_RAW]
    corpus += _cases(CARD_TEMPLATES, card_values(), "card_number")
    corpus += list(COMBINED_CASES)
    return corpus


CORPUS = build_corpus()


# --------------------------------------------------------------------------------------------------
# Ordinary questions: nothing in them may be redacted
# --------------------------------------------------------------------------------------------------

ORDINARY_QUESTIONS = (
    # Fees
    "住民票の写しの手数料は300円ですか",
    "印鑑登録証明書は1通いくらですか。",
    "戸籍謄本は450円、抄本も450円で合っていますか",
    "粗大ごみの処理手数料は1点500円ですか",
    "大型家具は1,500円の処理券が必要ですか",
    "犬の登録料3,000円はどこで払いますか",
    "狂犬病予防注射の料金は3,500円ですか",
    "体育館の使用料は1時間あたり2,200円ですか",
    "施設の利用料は100-200円程度と聞きました",
    "駐輪場の定期は1か月1,000円、3か月2,800円ですか",
    "パスポートの手数料は16,000円ですか？",
    "水道の基本料金は月額1,650円（税込）ですか",
    "ごみ袋は10枚入りで400円ですか",
    "証明書のコンビニ交付は1通200円ですか",
    "Is the fee for a residence certificate 300 yen?",
    # Times
    "窓口の受付時間は8時30分〜17時15分ですか",
    "受付は8:30-17:15ですか",
    "土曜日は9:00～12:00まで開いていますか",
    "夜間窓口は毎週木曜日の19時まで延長していますか",
    "図書館は10時から18時まで開いています",
    "ごみは朝8時30分までに出してください、とありますが7時でもいいですか",
    "Is the office open from 8:30 to 17:15 on weekdays?",
    "休日当番医は9時～17時の受付ですか",
    "プールの営業時間は10:00-20:00ですか",
    "電話相談は平日9時から16時までですか",
    # Dates of events and deadlines
    "4月1日から手数料が変わりますか",
    "令和8年4月1日から手数料が変わると聞きました",
    "2026-04-01に開催される説明会に参加したい",
    "申請期限は2026/03/31ですか",
    "令和8年度の住民税の通知はいつ届きますか",
    "2026年4月1日以降に転入した場合の手続きは？",
    "成人式は2027年1月10日ですか",
    "確定申告の期間は2月16日から3月15日までですか",
    "昭和41年4月2日以降に生まれた方の年金の支給開始年齢は？",
    "4月1日生まれの子どもは早生まれですか",
    "平成元年度の資料はありますか",
    "2026.5.10の防災訓練は雨天決行ですか",
    "期限は2026-04-30までですか",
    "住民説明会は5/20（水）19:00からですか",
    "The festival is on 2026-08-15, right?",
    "Will the tax office be closed from December 29 to January 3?",
    "令和7年12月28日から令和8年1月4日まで休みですか",
    "2026年度の予算はいつ公表されますか",
    "H30年度の決算書を見たい",
    "台風で延期になった行事は5月24日に実施しますか",
    # Counts, ages, sizes
    "転入届は引っ越してから14日以内に出せばいいですか",
    "家族3人で引っ越します。必要な書類は？",
    "65歳以上の人は予防接種が無料ですか",
    "75歳になったら後期高齢者医療に切り替わりますか",
    "身長1m以下の子どもは無料ですか",
    "ベビーカーは2台まで置けますか",
    "定員は30名ですか",
    "1歳6か月健診の持ち物は？",
    "3歳児健診は何時からですか",
    "中学生以下は入場無料ですか",
    "長さ2m以上の木の枝は粗大ごみですか",
    "30cm以下に切れば燃やせるごみで出せますか",
    "10kgまでの荷物なら無料ですか",
    "18歳未満の子どもが2人います",
    "学童保育は小学3年生までですか",
    "年間120日以上勤務している場合は？",
    "介護保険料は年額72,000円くらいですか",
    "人口は約12万人ですか",
    "収入が年103万円以下なら扶養に入れますか",
    "令和8年の人口は何人ですか",
    # Districts and places without block numbers
    "本町1丁目のごみ収集日は？",
    "本町1丁目と2丁目の集積所は同じですか",
    "緑町3丁目から5丁目までが対象地区ですか",
    "東京都千代田区に転出します。手続きは？",
    "霞が関の合同庁舎への行き方を教えて",
    "旭町の避難所はどこですか",
    "自由が丘地区の防災マップはありますか",
    "北1条西2丁目のバス停はどこですか",
    "本町地区の町内会に入りたい",
    "桜ケ丘小学校の学区を知りたい",
    "Which garbage day is it for Honcho 2-chome?",
    "市役所の3番窓口はどこですか",
    "2番目の窓口で受け付けてもらえますか",
    "第1-2回の会議録を見たい",
    "市民会館の2階の会議室を借りたい",
    "1号館と2号館の違いは？",
    "駅前の3番乗り場から出るバスで行けますか",
    "資料の3-2-1ページを見てください",
    # People words with honorifics that are not names
    "お客さんを駐車場に案内したい",
    "皆さんのご意見を募集しています",
    "大家さんの承諾書が必要ですか",
    "お母さんと一緒に来庁してもいいですか",
    "お子さんの医療費助成について教えて",
    "子どもさんの予防接種の予約方法は？",
    "ヘルパーさんに代理で申請してもらえますか",
    "ケアマネさんに相談するよう言われました",
    "お隣さんの木の枝が越境しています",
    "市民の皆様へのお知らせはどこに載りますか",
    "ご利用者様の駐車場はありますか",
    "お客様用の駐車場は何台分ありますか",
    "赤ちゃんの出生届はどこに出しますか",
    "おじいちゃんの介護保険の申請をしたい",
    "奥さんが代理で来ても大丈夫ですか",
    "業者さんに頼むと費用はいくらですか",
    "職員さんの対応がよかったです",
    "先生に診断書を書いてもらう必要がありますか",
    "ワンちゃんの登録はどこでできますか",
    "申請書様式はどこでダウンロードできますか",
    "同様の手続きを郵送でもできますか",
    "様々な手続きをまとめてできますか",
    "書類はちゃんと出したはずです",
    "息子さんが代わりに来ても手続きできますか",
    "民生委員さんに相談したい",
    "担当者様の名前を教えてください",
    "お名前は必須ですか",
    "氏名は漢字で書く必要がありますか",
    "名前はフルネームで書くのですか",
    "住所は必ず書かなければいけませんか",
    "電話番号の欄は空欄でもいいですか",
    "マイナンバーカードの暗証番号を忘れました",
    "マイナンバーカードの申請方法を教えて",
    "個人番号カードの更新はいつですか",
    "口座振替の申込書はどこにありますか",
    "普通ごみと資源ごみの違いは？",
    "普通徴収から特別徴収に切り替えたい",
    "郵便番号がわからないのですが",
    "生年月日を間違えて書いてしまいました",
    "誕生日が来たら保険証は切り替わりますか",
    "クレジットカードで住民税を払えますか",
    "My card was declined at the city hall counter.",
    "Where can I apply for a My Number card?",
    # Phone-like things that are not phone numbers
    "2026-04-01と2026-04-30の間に申請してください",
    "第2024-15号の通知について",
    "2024-2025年度の補助金は？",
    "令和8年(2026年)4月から変わりますか",
    "番号札の10番から20番までが呼ばれました",
    "整理券は1番から100番までです",
    "住民票コードは11桁ですか",
    "マイナンバーは12桁ですか",
    "口座番号は7桁で書くのですか",
    "郵便番号は7桁ですか",
    "電話番号は市外局番から書きますか",
    "施設の番号 A-12 の場所はどこですか",
    "バス路線の10-3系統の時刻表はありますか",
    "体重は3,200gで生まれました",
    "所得税率は5%から45%まで",
    "税率は10%ですか",
    "分別表の1-1から1-5までを見ました",
    "2026年4月1日から2027年3月31日まで有効です",
    "令和8年4月1日～令和9年3月31日の期間",
    "平成31年4月30日と令和元年5月1日",
    "ISBN 978-4-00-000000-0 の本を図書館で予約したい",
    "図書の請求番号 913.6 はどの棚ですか",
    "バージョン 1.2.3 のアプリで不具合があります",
    # General FAQ-like text
    "引っ越したら何の手続きが必要ですか",
    "転出証明書をなくしました",
    "印鑑登録をしたいのですが何が必要ですか",
    "児童手当の申請方法を教えてください",
    "保育園の入園申し込みはいつからですか",
    "粗大ごみの出し方を知りたい",
    "資源ごみの収集日はいつですか",
    "国民健康保険に加入したい",
    "国民年金の免除申請をしたい",
    "住民税の納付書を再発行してほしい",
    "軽自動車税の減免は受けられますか",
    "犬が亡くなったときの届け出は？",
    "空き家の管理について相談したい",
    "道路の穴を見つけました。どこに連絡すればいいですか",
    "街灯が切れています",
    "公園の遊具が壊れています",
    "ハザードマップはどこでもらえますか",
    "避難所の一覧を見たい",
    "婚姻届は休日でも出せますか",
    "死亡届の提出先はどこですか",
    "住民票を郵送で請求できますか",
    "戸籍の附票がほしい",
    "投票所入場券をなくしました",
    "期日前投票はどこでできますか",
    "ふるさと納税のワンストップ特例の書類はどこに送りますか",
    "How do I register my new address?",
    "Where can I throw away a broken bicycle?",
    "Do I need to bring my residence card to register?",
    "Can I pay my national health insurance at a convenience store?",
    "Is there an English-speaking staff member at the counter?",
    # More words that take さん/様 without being names, ranges and cohorts
    "申請から2-3週間かかりますか",
    "0-2歳児クラスの空きはありますか",
    "4-5月は窓口が混みますか",
    "駅から徒歩5-10分ですか",
    "受付は1-3番窓口ですか",
    "町内会長さんに相談しました",
    "保育士さんの配置基準は？",
    "看護師さんが訪問してくれますか",
    "地元の農家さんから野菜を買えますか",
    "郵便局さんから連絡がありました",
    "不動産屋さんに言われました",
    "管理会社さんに伝えればいいですか",
    "教育委員会様あての書類です",
    "保護者様各位へのお知らせ",
    "町民の皆さまへのお願い",
    "妊婦さんの健診費用の助成は？",
    "受験生さん向けの学習室はありますか",
    "施主様の同意書が必要ですか",
    "メーカーさんの保証書で足りますか",
    "お巡りさんに道を聞きました",
    "お疲れさまです。質問があります",
    "たくさんの人が並んでいますか",
    "様式第1号を使えばいいですか",
    "御殿場市から転入しました",
    "殿堂入りした選手の記念館",
    "君が代の歌詞を知りたい",
    "令和8年4月1日生まれの人から対象ですか",
    "昭和35年4月2日から昭和36年4月1日までに生まれた方の年金",
    "平成27年4月2日～平成28年4月1日生まれのお子さんは何年生？",
    "生年月日が2026年4月1日以降の人は対象外ですか",
    "生まれてから14日以内に出生届を出せばいいですか",
    "2026年4月1日に出生届を出します",
    "誕生日は何日前から受け付けますか",
    "普通ごみは1袋40円ですか",
    "支店の営業時間は9時から15時ですか",
    "電話受付は8:30〜17:15ですか",
    "国道246号の渋滞情報",
    "介護保険第1号被保険者の保険料は？",
    "会議室3-2はどこですか",
    "令和8年4月1日（水）から受付開始ですか",
    "2026年4月1日(水)～4月30日(木)の間",
)


# --------------------------------------------------------------------------------------------------
# Extended corpus: more kinds and formats, for the end-to-end privacy test
# (tests/security/test_pii_nowhere.py). Generated from its own seed, after everything above, so
# CORPUS and the numbers in it stay exactly what they were.
# --------------------------------------------------------------------------------------------------

EXTENDED_RNG = random.Random(20260415)


def _ext_digits(count: int) -> str:
    return "".join(EXTENDED_RNG.choice("0123456789") for _ in range(count))


def _ext_not_zero(count: int) -> str:
    """``count`` digits, the first one not 0."""
    return str(EXTENDED_RNG.randint(1, 9)) + _ext_digits(count - 1)


def _round_robin(templates: tuple[str, ...], values: list[tuple[str, str]], kind: str) -> list[PiiCase]:
    return [PiiCase(templates[i % len(templates)].format(slot), ((pii, kind),)) for i, (slot, pii) in enumerate(values)]


# Phones: +81 in every spelling (with and without (0), parentheses, full-width), mobiles with dots,
# every dash variant, full-width digits and spaces.
EXT_PHONE_TEMPLATES = (
    "留守番電話に{}と残しました。折り返してください",
    "海外から帰国予定です。連絡は{}へお願いします",
    "学校からの連絡先を{}に変更したい",
    "I am abroad now; call me on {} after 6 pm.",
    "不在票の電話番号が{}になっていました",
)


def ext_phone_values() -> list[tuple[str, str]]:
    values: list[tuple[str, str]] = []
    for i, national in enumerate(("3", "6", "45", "90", "80", "70", "467", "11", "92", "50")):
        is_mobile = national in ("90", "80", "70", "50")
        local = _ext_not_zero(4) if is_mobile else _ext_not_zero(5 - len(national))  # 9 or 10 national digits
        subscriber = _ext_digits(4)
        shapes = (
            f"+81-{national}-{local}-{subscriber}",
            f"+81 {national} {local} {subscriber}",
            f"+81 (0){national}-{local}-{subscriber}",
            fullwidth(f"+81-{national}-{local}-{subscriber}"),
            f"+81{national}{local}{subscriber}",
            f"(+81) {national}-{local}-{subscriber}",
        )
        text = shapes[i % len(shapes)]
        values.append((text, text))
    for i in range(10):
        mobile = ("090", "080", "070")[i % 3] + _ext_not_zero(4) + _ext_digits(4)
        head, middle, tail = mobile[:3], mobile[3:7], mobile[7:]
        mobile_shapes = (
            f"{head}.{middle}.{tail}",
            fullwidth(mobile),
            f"{head}{DASHES[i]}{middle}{DASHES[i]}{tail}",
            fullwidth(f"{head} {middle} {tail}"),
            f"{head}（{middle}）{tail}",
        )
        text = mobile_shapes[i % len(mobile_shapes)]
        values.append((text, text))
    return values


EXT_EMAIL_TEMPLATES = ("メールは{}です。返信をお願いします", "{}に資料を送ってほしい", "Contact me at {} please.")
EXT_EMAILS = (
    "sato_k@example.lg.jp",
    "Yamada.Hanako+kosodate@example.com",
    "kimura-1985@mail.example.ne.jp",
    "nguyen.thi.lan@example.vn",
    "j.smith@example.co.uk",
)


def ext_email_values() -> list[tuple[str, str]]:
    values = [(e, e) for e in EXT_EMAILS]
    values.append((fullwidth("matsumoto@example.jp"), fullwidth("matsumoto@example.jp")))
    values.append(("inoue.yuki＠example．ne．jp", "inoue.yuki＠example．ne．jp"))
    values.append(("hashimoto [at] example [dot] jp", "hashimoto [at] example [dot] jp"))
    return values


# My Numbers: two thirds valid, one third with a wrong check digit.
EXT_MY_NUMBER_TEMPLATES = (
    "マイナンバー（{}）を会社に伝えてもいいですか",
    "勤務先に個人番号{}を提出しました。住民税の通知はいつ？",
    "源泉徴収票に{}と書かれていますが私の番号ですか",
)


def ext_my_number_values() -> list[tuple[str, str]]:
    values: list[tuple[str, str]] = []
    for i in range(12):
        first = _ext_digits(11)
        good = my_number_check_digit(first)
        number = first + (good if i % 3 else str((int(good) + 1 + i % 9) % 10))
        shapes = (
            f"{number[:4]} {number[4:8]} {number[8:]}",
            f"{number[:4]}-{number[4:8]}-{number[8:]}",
            fullwidth(number),
            number,
        )
        text = shapes[i % len(shapes)]
        values.append((text, text))
    return values


# Postal codes: with and without 〒 or 郵便番号, every dash, none, full-width.
EXT_POSTAL_TEMPLATES = (
    "〒{}の住所に書類を送ってください",
    "郵便番号は{}です。転送の手続きをしたい",
    "引っ越し先の郵便番号{}で住所検索ができません",
    "{} 群馬県高崎市に転居予定です",
    "Send it to postal code {}, please.",
)


def ext_postal_values() -> list[tuple[str, str]]:
    values: list[tuple[str, str]] = []
    for i in range(25):
        code = f"{EXTENDED_RNG.randint(1, 999):03d}{_ext_digits(4)}"
        dash = DASHES[i % len(DASHES)]
        forms = (f"{code[:3]}{dash}{code[3:]}", code, fullwidth(f"{code[:3]}-{code[3:]}"), fullwidth(code))
        form = forms[(i // len(EXT_POSTAL_TEMPLATES)) % len(forms)]
        if i % len(EXT_POSTAL_TEMPLATES) == 3:  # without any keyword: only the 123-4567 shape says "postal code"
            form = f"{code[:3]}-{code[3:]}" if i % 2 else fullwidth(f"{code[:3]}-{code[3:]}")
        values.append((form, form))
    return values


# Addresses: prefecture and city, 丁目/番/号 and 番地, hyphens of every kind, full-width and kanji digits,
# building and room, hiragana in the district name.
EXT_ADDRESS_TEMPLATES = (
    "現住所は{}です。転出届の書き方を教えてください",
    "{}に引っ越しました。転入届はいつまでに出せばいいですか",
    "{}の空き地に雑草が生い茂っています",
    "住民票の住所が{}のままです。変更したい",
    "{}で水道が漏れています。修理の連絡先は？",
    "納税通知書の送付先を{}に変えたい",
)
EXT_PLACES = (
    ("群馬県前橋市", "本町"),
    ("静岡県浜松市中区", "元城町"),
    ("福岡県久留米市", "東町"),
    ("宮城県仙台市青葉区", "一番町"),
    ("長野県松本市", "中央"),
    ("岡山県倉敷市", "阿知"),
    ("新潟県長岡市", "大手通"),
    ("熊本県熊本市中央区", "手取本町"),
    ("", "緑が丘"),
    ("", "旭町"),
    ("", "若松町"),
    ("", "桜木町"),
    ("", "柳町"),
    ("", "泉町"),
    ("", "寿町"),
    ("", "栄町"),
)


def ext_address_values() -> list[tuple[str, str]]:
    values: list[tuple[str, str]] = []
    for i, (city, town) in enumerate(EXT_PLACES):
        a, b, c = EXTENDED_RNG.randint(1, 9), EXTENDED_RNG.randint(1, 30), EXTENDED_RNG.randint(1, 25)
        dash = DASHES[i % len(DASHES)]
        room = f"{EXTENDED_RNG.randint(1, 5)}0{EXTENDED_RNG.randint(1, 9)}号室"
        shapes = (
            f"{city}{town}{a}丁目{b}番{c}号",
            f"{town}{a}丁目{b}番地{c}",
            f"{town}{a}丁目{b}-{c}",
            f"{town}{fullwidth(str(a))}丁目{fullwidth(str(b))}番{fullwidth(str(c))}号",
            f"{town}{kanji_digits(str(a))}丁目{kanji_digits(str(b))}番{kanji_digits(str(c))}号",
            f"{town}{a}{dash}{b}{dash}{c}",
            f"{town}{a}丁目{b}番{c}号 メゾン{town}{room}",
        )
        text = shapes[i % len(shapes)]
        values.append((text, text))
    for i, town in enumerate(("大字上田", "大字中島", "字西原", "大字岩井")):
        number = f"{EXTENDED_RNG.randint(100, 2999)}番地" + (str(EXTENDED_RNG.randint(1, 9)) if i % 2 else "")
        values.append((f"{town}{number}", number))
    values += [
        ("本町三丁目4-5", "本町三丁目4-5"),
        ("中央区日本橋2-1-3-1205", "中央区日本橋2-1-3-1205"),
        ("千代田区丸の内1-9-1", "丸の内1-9-1"),
        ("横浜市西区みなとみらい2-3-1", "みなとみらい2-3-1"),
    ]
    return values


# Names: kanji with and without a space, hiragana given names, katakana (with ・ or a space), romaji with
# -san/-sama/-dono and Mr./Ms./Dr., before 様/さん/殿/さま.
EXT_NAME_TEMPLATES = (
    "{}から電話があったと伝えてください",
    "保育園の申し込みは{}の名前で出しました",
    "{}の代理で来ました。委任状は必要ですか",
    "先日対応してくれた{}にお礼を言いたい",
    "{}あてに届いた通知書の内容がわかりません",
)
EXT_SURNAMES = (
    "松本",
    "井上",
    "木村",
    "清水",
    "山口",
    "池田",
    "橋本",
    "石川",
    "前田",
    "藤田",
    "後藤",
    "岡田",
    "村上",
    "近藤",
    "坂本",
    "遠藤",
    "青木",
    "西村",
    "福田",
    "太田",
)
EXT_GIVEN_NAMES = ("翔太", "美穂", "大輔", "由美", "拓也", "恵子", "千尋", "蓮", "さくら", "ひなた")
EXT_KATAKANA_NAMES = (
    ("サトウ", "ハナコ"),
    ("タナカ", "ケンジ"),
    ("スズキ", "ミホ"),
    ("ワタナベ", "ユウキ"),
    ("キム", "ミンジュン"),
    ("グエン", "ティ ラン"),
    ("ゴンザレス", "マリア"),
    ("シュミット", "アンナ"),
)
EXT_ROMAJI_NAMES = ("Kenji Matsumoto", "Yuki Inoue", "Haruto Kimura", "Aiko Shimizu", "Sota Yamaguchi", "Mei Ikeda")


def ext_name_values() -> list[tuple[str, str]]:
    values: list[tuple[str, str]] = []
    honorifics = ("様", "さん", "殿", "さま")
    for i, surname in enumerate(EXT_SURNAMES):
        given = EXT_GIVEN_NAMES[i % len(EXT_GIVEN_NAMES)]
        name = f"{surname}{given}" if i % 3 else f"{surname} {given}"
        values.append((f"{name}{honorifics[i % len(honorifics)]}", name))
    for i, (family, given) in enumerate(EXT_KATAKANA_NAMES):
        name = f"{family} {given}" if i % 2 else f"{family}・{given}"
        values.append((f"{name}{honorifics[i % 3]}", name))
    for family, given in EXT_KATAKANA_NAMES[:4]:
        values.append((f"{family}{given}さん", f"{family}{given}"))
    for i, full in enumerate(EXT_ROMAJI_NAMES):
        family = full.split()[1]
        shapes = (
            (f"{family}-san", family),
            (f"{full}-sama", full),
            (f"Mr. {family}", family),
            (f"Ms. {full}", full),
            (f"{family}-dono", family),
            (f"Dr. {family}", family),
        )
        values.append(shapes[i])
    return values


# Dates of birth: 明治..令和 and 元年, kanji and full-width digits, S/H/R abbreviations, Western dates in
# every separator, English day-month and month-day orders.
EXT_BIRTH_CASES_RAW = (
    ("生年月日は昭和52年11月23日です。国民年金の記録を確認したい", "昭和52年11月23日"),
    ("平成3年2月14日生まれの息子が成人式に出られるか知りたい", "平成3年2月14日"),
    ("令和元年7月30日生まれの娘の予防接種の予定を教えて", "令和元年7月30日"),
    ("令和4年12月1日に生まれた子の出生届はもう出しました", "令和4年12月1日"),
    ("昭和23年5月5日生まれの父の後期高齢者医療について", "昭和23年5月5日"),
    ("平成元年10月10日生の者です。健康診断の対象年齢ですか", "平成元年10月10日"),
    ("生年月日：1978年6月18日", "1978年6月18日"),
    ("1992年3月3日生まれです。国民健康保険に入りたい", "1992年3月3日"),
    ("誕生日は1966/07/30です。敬老パスはいつからもらえますか", "1966/07/30"),
    ("生年月日 1983-09-09 で申請書を出しました", "1983-09-09"),
    ("S48.3.15生まれです。特定健診の受診券が届きません", "S48.3.15"),
    ("生年月日はH7.12.1です", "H7.12.1"),
    ("R3.4.5生まれの子の児童手当について", "R3.4.5"),
    ("生年月日：昭和４５年８月２０日", "昭和４５年８月２０日"),
    ("生年月日は２００５年１月１５日です。選挙の案内は届きますか", "２００５年１月１５日"),
    ("平成十年五月二十日生まれです", "平成十年五月二十日"),
    ("生年月日は平成 14 年 2 月 28 日です", "平成 14 年 2 月 28 日"),
    ("I was born on 3 March 1975. Do I need a health check?", "3 March 1975"),
    ("Date of birth: July 4, 1988", "July 4, 1988"),
    ("DOB 1990/11/02 - how do I renew my residence card?", "1990/11/02"),
    ("My birthday is 2 February 2001, am I eligible for the youth discount?", "2 February 2001"),
    ("母の誕生日は大正14年1月3日です。百歳のお祝いはありますか", "大正14年1月3日"),
    ("生年月日 19880704 の者です", "19880704"),
    ("生年月日が2011年9月1日の子の入学手続きは？", "2011年9月1日"),
    ("平成28年6月6日生まれの双子の健診について", "平成28年6月6日"),
    ("祖父は昭和8年12月8日生まれです。介護認定の申請をしたい", "昭和8年12月8日"),
    ("生年月日（西暦）1959年4月29日", "1959年4月29日"),
    ("生年月日: H12.7.7", "H12.7.7"),
    ("昭和60年１２月３１日生まれです。年金の手続きは？", "昭和60年１２月３１日"),
    ("生年月日は令和2年2月22日です。保育園の入園資格を知りたい", "令和2年2月22日"),
    ("S52.11.23生です。がん検診の対象ですか", "S52.11.23"),
    ("1978.6.18生まれの夫の扶養について", "1978.6.18"),
    ("生年月日 S52/11/23 と書きました", "S52/11/23"),
    ("明治45年7月29日生まれの曾祖母の戸籍を取りたい", "明治45年7月29日"),
)

# Bank accounts: 普通/当座 (預金), branch numbers (支店番号, 店番, branch code), Japan Post 記号/番号,
# full-width digits, a hyphenated account number.
EXT_BANKS = ("みずほ銀行", "三菱UFJ銀行", "群馬銀行", "静岡銀行", "JAバンク", "信用金庫")
EXT_BRANCHES = ("本店", "駅前支店", "中央支店", "東支店", "市役所前支店")


def ext_bank_cases() -> list[PiiCase]:
    cases: list[PiiCase] = []
    for i in range(24):
        account, branch = _ext_digits(7), _ext_digits(3)
        bank, office = EXT_BANKS[i % len(EXT_BANKS)], EXT_BRANCHES[i % len(EXT_BRANCHES)]
        kind = ("普通", "当座", "普通預金", "当座預金")[i % 4]
        shape = i % 8
        if shape == 0:
            cases.append(
                PiiCase(f"児童手当の振込先は{bank}{office} {kind} {account} です", ((account, "bank_account"),))
            )
        elif shape == 1:
            cases.append(
                PiiCase(
                    f"口座を{bank}（支店番号{branch}）{kind}{account}に変更したい",
                    ((branch, "bank_account"), (account, "bank_account")),
                )
            )
        elif shape == 2:
            text = fullwidth(account)
            cases.append(PiiCase(f"還付金は{kind}　{text}に振り込んでください", ((text, "bank_account"),)))
        elif shape == 3:
            cases.append(
                PiiCase(
                    f"{bank} 店番{branch} {kind}口座 {account} の名義変更について",
                    ((branch, "bank_account"), (account, "bank_account")),
                )
            )
        elif shape == 4:
            text = f"{account[:3]}-{account[3:]}"
            cases.append(PiiCase(f"口座番号 {text}（{kind}）で口座振替を申し込みました", ((text, "bank_account"),)))
        elif shape == 5:
            symbol, number = "1" + _ext_digits(4), _ext_digits(7) + "1"
            cases.append(
                PiiCase(
                    f"ゆうちょ銀行の記号{symbol}、番号{number}で受け取りたい",
                    ((symbol, "bank_account"), (number, "bank_account")),
                )
            )
        elif shape == 6:
            cases.append(
                PiiCase(
                    f"Please refund to {bank}, branch code {branch}, account number {account}.",
                    ((branch, "bank_account"), (account, "bank_account")),
                )
            )
        else:
            cases.append(
                PiiCase(f"住民税の引き落とし口座（{kind}・{account}）を解約しました", ((account, "bank_account"),))
            )
    return cases


def ext_combined_cases() -> list[PiiCase]:
    """Several kinds in one real question."""
    account = _ext_digits(7)
    mobile = "090" + _ext_not_zero(4) + _ext_digits(4)
    phone = f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"
    first = _ext_digits(11)
    my_number = first + my_number_check_digit(first)
    grouped = f"{my_number[:4]} {my_number[4:8]} {my_number[8:]}"
    return [
        PiiCase(
            f"児童手当の口座を変えたいです。名義人は松本翔太です。普通 {account}、連絡先 {phone}",
            (("松本翔太", "name"), (account, "bank_account"), (phone, "phone")),
        ),
        PiiCase(
            "〒371-0846 前橋市元総社町2丁目5番8号に住んでいます。ごみ袋の配布について",
            (("371-0846", "postal_code"), ("前橋市元総社町2丁目5番8号", "address")),
        ),
        PiiCase(
            f"個人番号{grouped}、生年月日 昭和59年2月29日で転入手続きをしたい",
            ((grouped, "my_number"), ("昭和59年2月29日", "birth_date")),
        ),
        PiiCase(
            "木村恵子様（kimura.keiko@example.jp、０４５－６７８－９０１２）に書類を送ってください",
            (("木村恵子", "name"), ("kimura.keiko@example.jp", "email"), ("０４５－６７８－９０１２", "phone")),
        ),
        PiiCase(
            "Hello, my name is Anna Schmidt, born 12 May 1990, phone +81 80 2468 1357. How do I register my address?",
            (("Anna Schmidt", "name"), ("12 May 1990", "birth_date"), ("+81 80 2468 1357", "phone")),
        ),
        PiiCase(
            "住所：栄町3丁目7番12号　氏名：清水大輔　電話：0276-45-6789　生年月日：平成2年8月15日",
            (
                ("栄町3丁目7番12号", "address"),
                ("清水大輔", "name"),
                ("0276-45-6789", "phone"),
                ("平成2年8月15日", "birth_date"),
            ),
        ),
        PiiCase(
            "郵便番号１５０－００４１、渋谷区神南1-19-11の山口様あての還付通知が届きません",
            (("１５０－００４１", "postal_code"), ("神南1-19-11", "address"), ("山口", "name")),
        ),
        PiiCase(
            "固定資産税の口座振替を申し込みたい。群馬銀行 駅前支店 店番 218 普通 4455667 名義 オカダ タクヤ",
            (("218", "bank_account"), ("4455667", "bank_account"), ("オカダ タクヤ", "name")),
        ),
    ]


def build_extended_corpus() -> list[PiiCase]:
    corpus: list[PiiCase] = []
    corpus += _round_robin(EXT_PHONE_TEMPLATES, ext_phone_values(), "phone")
    corpus += _round_robin(EXT_EMAIL_TEMPLATES, ext_email_values(), "email")
    corpus += _round_robin(EXT_MY_NUMBER_TEMPLATES, ext_my_number_values(), "my_number")
    corpus += _round_robin(EXT_POSTAL_TEMPLATES, ext_postal_values(), "postal_code")
    corpus += _round_robin(EXT_ADDRESS_TEMPLATES, ext_address_values(), "address")
    corpus += _round_robin(EXT_NAME_TEMPLATES, ext_name_values(), "name")
    corpus += [PiiCase(text, ((pii, "birth_date"),)) for text, pii in EXT_BIRTH_CASES_RAW]
    corpus += ext_bank_cases()
    corpus += ext_combined_cases()
    return corpus


EXTENDED_CORPUS = build_extended_corpus()
# Everything: the redaction unit tests use CORPUS, the end-to-end privacy test uses FULL_CORPUS.
FULL_CORPUS: tuple[PiiCase, ...] = (*CORPUS, *EXTENDED_CORPUS)


# More ordinary questions with numbers that are not personal data: collection days, room numbers of
# public facilities (a room of the town's own building is not anybody's address; a room number after a
# street address is part of that address and is redacted with it), fees, periods, route numbers,
# counts, cohorts, and the words 電話番号/口座/生まれ/誕生日/普通/当座/支店 without any number of a person.
MORE_ORDINARY_QUESTIONS = (
    "資源ごみは第2・第4水曜日の収集ですか",
    "第1・第3土曜日は窓口が開いていますか",
    "市民会館の201号室を予約したい",
    "保健センター2階の203号室で相談できますか",
    "役場本庁舎の301会議室はどこですか",
    "受付時間は8:30〜17:15、土日祝日は休みですか",
    "平日の午前9時から午後5時まで電話相談できますか",
    "住民票の写しは1通300円、2通で600円ですか",
    "粗大ごみ処理券は1枚500円と1,000円の2種類ですか",
    "乳幼児健診は生後3か月・6か月・1歳6か月・3歳ですか",
    "4月1日から翌年3月31日までが年度ですか",
    "令和8年4月1日施行の条例について知りたい",
    "2026年10月1日から手数料が改定されますか",
    "昭和56年5月31日以前に建てられた住宅の耐震診断の補助は？",
    "平成12年度以降の固定資産税の評価額を見たい",
    "申請から交付まで約1か月かかりますか",
    "1世帯あたり2台まで駐車できますか",
    "定員20名、先着順ですか",
    "対象は70歳以上の方ですか",
    "3人目以降の子どもの保育料は無料ですか",
    "ごみ袋は45リットルと30リットルがありますか",
    "粗大ごみは1回に5点までですか",
    "市県民税は年4回（6月・8月・10月・翌年1月）の納付ですか",
    "国民健康保険税の納期は第1期から第8期までですか",
    "第3期分の納付書をなくしました",
    "バスは1時間に2本ですか",
    "路線バス3系統の始発は6:45ですか",
    "国道17号線の通行止めはいつまで？",
    "県道123号の工事について",
    "町内の避難所は全部で12か所ですか",
    "災害用の備蓄は3日分が目安ですか",
    "予防接種は2回目から4週間あけますか",
    "BCGは生後5か月から8か月までに受けるのですか",
    "児童手当は月額10,000円ですか、15,000円ですか",
    "出産育児一時金は50万円ですか",
    "住宅改修の補助は上限20万円ですか",
    "有効期限は発行日から3か月以内ですか",
    "窓口番号は5番と6番のどちらですか",
    "整理券の番号が45番でした",
    "介護保険料の段階は第1段階から第13段階までですか",
    "1丁目から3丁目までの地区の防災訓練はいつ？",
    "本町2丁目の集会所を借りたい",
    "小学校の学区は北1条から北5条までですか",
    "ごみ集積所の番号 No.12 の場所を変更したい",
    "申請書の様式第3号はどこにありますか",
    "規則第12条第2項の意味を教えて",
    "2025年度の決算額は約120億円ですか",
    "人口3万人の町ですか",
    "面積は約85平方キロメートルですか",
    "水道料金は2か月ごとの請求ですか",
    "下水道の使用料は1立方メートルあたり150円ですか",
    "郵便局の窓口は9時から17時までですか",
    "市役所の代表電話番号を教えてください",
    "電話で予約する場合の番号はどこに載っていますか",
    "住所変更は転居から14日以内ですか",
    "生まれた日から14日以内に出生届を出すのですか",
    "誕生日の前日に年齢が加算されるのですか",
    "銀行口座の変更届はどこで出せますか",
    "普通自動車の運転免許の住所変更は警察署ですか",
    "当座の生活費の貸付制度はありますか",
    "支店のない銀行でも口座振替できますか",
    "2026/4/1〜2026/4/30の間に申請できますか",
    "令和8年4月1日(水)10:00〜12:00に説明会がありますか",
    "1-2月は窓口が混みますか",
    "10-12歳の子ども向け講座はありますか",
    "申込みは1人1回、1回2時間までですか",
    "会場は本町1丁目集会所ですか",
    "施設予約番号は A-1203 ですか",
    "令和7年分の所得証明書は6月1日から発行ですか",
    "ふるさと納税は2,000円を超える部分が控除されますか",
    "子ども医療費は0歳から18歳までですか",
    "1号認定と2号認定の違いは？",
    "公民館の第1会議室と第2会議室",
    "防災無線は毎日17時にチャイムが鳴りますか",
    "資源物は月2回、第1・第3金曜日ですか",
    "住民税の特別徴収は6月から翌年5月までの12回ですか",
    "第2・第4水曜日の14:00〜16:00に法律相談があります",
    "平成30年7月豪雨の被災者支援について",
    "昭和20年代に建てられた家の解体補助",
    "The office is closed on the 2nd and 4th Saturday, right?",
    "Is room 201 of the community center available on Sunday?",
    "Is the fee 1,500 yen for large furniture?",
    "Do I need to register within 14 days after moving?",
    "Bus route 3 leaves at 6:45, is that right?",
)
ALL_ORDINARY_QUESTIONS: tuple[str, ...] = (*ORDINARY_QUESTIONS, *MORE_ORDINARY_QUESTIONS)
