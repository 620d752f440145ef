"""Street addresses with block or lot numbers (本町1丁目2番3号, 本町1-2-3, 123番地, 1-2 Honcho, 北区梅田1-1)."""

from __future__ import annotations

import re

from chatbot.privacy.folding import MASK
from chatbot.privacy.morphology import last_word_is_proper_noun
from chatbot.privacy.patterns import EN_HINT, KANJI, RB, UNITS, compile_pattern
from chatbot.privacy.scanner import Scan, is_kanji, near_before, protected

_NUM = r"[0-9]{1,4}"
# A building's name may hold digits (グランドメゾン北3条, 第2コーポ) and 〇〇 (a name left out, read as 00
# in the copy for numbers); right after the block number it starts with a letter, else with a space.
_BUILDING_CHARS = r"[ァ-ヶー" + KANJI + r"A-Za-z0-9○〇]"
_BUILDING = r"(?:[ァ-ヶー" + KANJI + r"A-Za-z○〇]" + _BUILDING_CHARS + r"{0,19}?|[ ]" + _BUILDING_CHARS + r"{1,20}?)"
_ROOM = r"(?:[ ]?(?:" + _BUILDING + r"[ ]?)?[0-9]{1,4}号室)?"
# After two numbers only, the room stands apart (梅田1-1 101号室): 1-23号室 is not 1-2 and room 3.
_ROOM_APART = r"(?:(?:[ ]?" + _BUILDING + r"[ ]?|[ ])[0-9]{1,4}号室)?"
_ADDRESS_BLOCKS = compile_pattern(
    r"[0-9](?<![0-9]{2})[0-9]{0,3}(?:"
    # 1丁目2番3号, 1丁目2番地3, 1丁目2-3, 1丁目2番
    rf"丁目[ ]?{_NUM}(?:番地?(?!目)(?:[ ]?の(?=[ ]?[0-9]))?|-|の(?=[ ]?[0-9]))[ ]?(?:{_NUM}(?:号|番地?)?)?(?:-{_NUM})?"
    # 123番地, 123番地の4, 123番地4
    rf"|番地(?:[ ]?の?[ ]?{_NUM}(?:号)?)?(?:-{_NUM})?"
    # 2番3号
    rf"|番[ ]?{_NUM}号(?![車機線])"
    r")" + _ROOM + r"(?![0-9])"
)
_NUM_NOT_0 = r"[1-9](?<![0-9A-Za-z][1-9])(?<![0-9][-.][1-9])[0-9]{0,3}"
_ADDRESS_HYPHEN3 = compile_pattern(_NUM_NOT_0 + r"-" + _NUM + r"-" + _NUM + r"(?:-" + _NUM + r")?" + _ROOM + RB + UNITS)
_ADDRESS_HYPHEN2 = compile_pattern(_NUM_NOT_0 + r"-" + _NUM + _ROOM_APART + RB + UNITS)
_ADDRESS_EN = compile_pattern(
    r"[0-9](?<![0-9A-Za-z-][0-9])[0-9]{0,3}-[0-9]{1,4}(?:-[0-9]{1,4})?"
    r",?[ ]+[A-Z][a-z]+(?:-(?:cho|machi|chome|ku|shi|mura))?"
    r"(?:,?[ ]+[A-Z][a-z]+-(?:ku|shi|cho|machi|mura|gun|ken|to|fu))*"
)
_ADDRESS_WORD = compile_pattern(
    r"(?:住所|在住|住んで|住まい|所在地|自宅|実家|転居先|転入先|引越し?先|本籍|address)", re.I
)
_ADDRESS_LEAD = compile_pattern(
    r"^.*(?:現住所|住所|所在地|本籍地|本籍|自宅|実家|宛先|送付先|送り先|届け先|転居先|転入先|引越先|在住)"
)
_NOT_A_PLACE_END = (
    "第",
    "約",
    "計",
    "各",
    "全",
    "毎",
    "同",
    "問",
    "例",
    "図",
    "表",
    "章",
    "節",
    "項",
    "条",
    "号",
    "版",
    "巻",
    "号館",
    "問題",
    "資料",
    "別表",
    "別紙",
    "様式",
    "番号",
    "令和",
    "平成",
    "昭和",
    "大正",
    "明治",
    "期間",
    "期限",
    "ページ",
)
_PLACE_SUFFIXES = "町村区市丁条通台丘目郡"
# Municipalities whose name is written in hiragana (before 市, 町 or 村), the longer names first.
_HIRAGANA_MUNICIPALITIES = (
    "かすみがうら",
    "つくばみらい",
    "ひたちなか",
    "さいたま",
    "あさぎり",
    "いちき",
    "つくば",
    "いわき",
    "みどり",
    "にかほ",
    "うきは",
    "えびの",
    "みやま",
    "たつの",
    "かほく",
    "あわら",
    "いなべ",
    "みよし",
    "ときがわ",
    "みなかみ",
    "むつ",
)
# A prefecture, city, ward or county name followed by the district: 大阪市北区梅田, 北区梅田, 東京都千代田区千代田.
# The suffix needs a name before it (市役所, 区民, 県立 are not a city, a ward or a prefecture).
_MUNICIPALITY = compile_pattern(rf"[{KANJI}ァ-ヶー][都道府県市区郡][{KANJI}ァ-ヶーの]")
# What a district with two numbers is not: a public building, a room, a line or a route (北区役所1-2, 区民センター).
_FACILITY_END = (
    *(
        "役所",
        "役場",
        "庁舎",
        "庁",
        "窓口",
        "課",
        "係",
        "署",
        "局",
        "センター",
        "ホール",
        "広場",
        "棟",
        "階",
        "駅",
        "線",
    ),
    *("会館", "図書館", "体育館", "公民館", "美術館", "博物館", "本館", "別館", "新館", "号館", "旅館"),
    *("会議室", "教室", "相談室", "研修室", "事務室", "和室", "待合室", "控室", "集会室"),
    *("保育園", "幼稚園", "公園", "動物園", "植物園", "霊園", "学校", "高校", "大学", "病院", "医院", "寺院"),
    *("事務所", "出張所", "保健所", "研究所", "裁判所", "会場", "駐車場", "駐輪場", "工場", "売場", "乗り場"),
    *("球場", "斎場", "会社", "神社", "本社", "支社", "店", "道路", "系統", "路線", "ルート", "コース", "ページ"),
)
# A residence or a home right after the numbers: 梅田1-1に住んでいます, 梅田1-1の自宅.
_RESIDENCE_AFTER = compile_pattern(
    r"[ ]?(?:(?:に|へ|で)[ ]?(?:住|在住|居住|引っ?越|転居|転入|移|暮ら)|在住|居住"
    r"|の(?:自宅|実家|家(?![具電])|住所|アパート|マンション))"
)
_GA_FOLLOWERS = "丘関谷崎浜原森岡島瀬台坂峰沢池窪洞山"


def _is_place_char(char: str) -> bool:
    return is_kanji(char) or "\u30a1" <= char <= "\u30fa" or char in "ーヵヶノ"


def _place_start(words: str, digits: str, start: int) -> int:
    """Where the district name in front of a block number begins (``start`` if there is none)."""
    i = start
    if i > 0 and words[i - 1] == " " and i > 1 and _is_place_char(words[i - 2]):
        i -= 1
    limit = max(0, start - 30)
    while i > limit:
        char = words[i - 1]
        if _is_place_char(char):
            i -= 1
        elif "0" <= digits[i - 1] <= "9" and i < start and words[i] in "条線" and i - 1 > limit:
            i -= 1
            while i > limit and "0" <= digits[i - 1] <= "9":
                i -= 1
        elif (char in "がケ" and i < start and words[i] in _GA_FOLLOWERS and i >= 2 and is_kanji(words[i - 2])) or (
            char == " " and i >= 2 and words[i - 2] in "都道府県市区町村郡"
        ):
            i -= 1
        elif char == "の" and i >= 2 and is_kanji(words[i - 2]) and i < start and _is_place_char(words[i]):
            i -= 1  # 丸の内
        elif "\u3041" <= char <= "\u3096":
            # A district name in hiragana right after the city or ward: 横浜市西区みなとみらい
            j = i - 1
            while j > limit and "\u3041" <= words[j - 1] <= "\u3096":
                j -= 1
            if j > 0 and words[j - 1] in "都道府県市区町村郡":
                i = j
            elif i < start and words[i] in "市町村" and words[j:i].endswith(_HIRAGANA_MUNICIPALITIES):
                # A city written in hiragana: さいたま市, つくば市 (after a particle: 実家がさいたま市)
                i -= next(len(name) for name in _HIRAGANA_MUNICIPALITIES if words[j:i].endswith(name))
            else:
                break
        else:
            break
    prefix = words[i:start]
    lead = _ADDRESS_LEAD.match(prefix)
    if lead:
        i += lead.end()
    while i < start and words[i] == " ":
        i += 1
    return i


def _place_is_plausible(place: str) -> bool:
    place = place.strip()
    if not place or place.endswith(_NOT_A_PLACE_END):
        return False
    return len(place) >= 2 or place[-1] in _PLACE_SUFFIXES


def detect_addresses(scan: Scan) -> None:
    if "丁目" in scan.digits or "番" in scan.digits:
        found = [
            (_place_start(scan.words, scan.digits, m.start()), m.end(), "address")
            for m in _ADDRESS_BLOCKS.finditer(scan.digits)
        ]
        scan.mark_all(found)
    if "-" not in scan.digits:
        return
    text = protected(scan.digits)
    found = []
    for m in _ADDRESS_HYPHEN3.finditer(text):
        begin = _place_start(scan.words, scan.digits, m.start())
        if _place_is_plausible(scan.words[begin : m.start()]):
            found.append((begin, m.end(), "address"))
    if EN_HINT.search(text):
        found.extend((m.start(), m.end(), "address") for m in _ADDRESS_EN.finditer(text))
    scan.mark_all(found)
    for start, end, _ in found:
        text = text[:start] + MASK * (end - start) + text[end:]
    found = []
    for m in _ADDRESS_HYPHEN2.finditer(text):
        begin = _place_start(scan.words, scan.digits, m.start())
        place = scan.words[begin : m.start()].strip()
        if _place_is_plausible(place) and _two_numbers_are_an_address(scan, place, begin, m.end()):
            found.append((begin, m.end(), "address"))
    scan.mark_all(found)


def _two_numbers_are_an_address(scan: Scan, place: str, begin: int, end: int) -> bool:
    """Whether ``place`` and two numbers (1-1) are an address, not a table, a form or a score.

    Yes after a district (本町1-2, 若松町1-2), after an address keyword (住所は梅田1-1), after a postal code, after
    a city or ward (北区梅田1-1), before a residence (梅田1-1に住んでいます) or when the district is a place name
    (梅田1-1, 千代田1-1), but not when the "district" is a public building, a room or a route (北区役所1-2).
    """
    if place[-1] in "町村丁目" or near_before(scan.words, begin, _ADDRESS_WORD, 20):
        return True
    if place.endswith(_FACILITY_END):
        return False
    if _RESIDENCE_AFTER.match(scan.words, end) or _MUNICIPALITY.search(place) or _follows_postal_code(scan, begin):
        return True
    return last_word_is_proper_noun(place)


def _follows_postal_code(scan: Scan, begin: int) -> bool:
    return any(
        kind == "postal_code" and end <= begin <= end + 3 and not scan.words[end:begin].strip()
        for _, end, kind in scan.spans
    )
