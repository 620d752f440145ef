"""Personal names: with an honorific, self-introduced, in a name field, in English (english_names.py), or tagged 人名
by SudachiPy."""

from __future__ import annotations

import re
import unicodedata

from chatbot.privacy.english_names import english_name_spans
from chatbot.privacy.morphology import tokenizer
from chatbot.privacy.patterns import HIRA, KANJI, KATA, compile_pattern
from chatbot.privacy.scanner import PLACEHOLDERS, Scan, is_kanji

_K = f"[{KANJI}]"
_T = f"[{KATA}]"
_H = f"[{HIRA}]"
_HIRA_PARTICLE_START = "のがはをにでへもやおよねだ"
_NAME_BODY = (
    rf"(?:{_K}{{1,6}}|{_T}{{2,12}})"
    rf"(?:[ ]?(?:{_K}{{1,6}}|{_T}{{2,12}}|(?![{_HIRA_PARTICLE_START}]){_H}{{2,4}}))?"
)
# Honorifics, then the name that ends right before one (searched in a short window, which is much
# faster than trying a name pattern at every kanji of the text).
_HONORIFIC = compile_pattern(
    rf"様(?!(?![方宛])[{KANJI}])|さま(?!ざ)|さん|殿(?!(?![方宛])[{KANJI}])|くん|君(?!(?![方宛])[{KANJI}])|ちゃん(?!と)"
)
_NAME_BEFORE_HONORIFIC = compile_pattern(rf"(?<![{KANJI}{KATA}])(?P<name>{_NAME_BODY})[ ]?\Z")
_HIRAGANA_NAME_BEFORE_HONORIFIC = compile_pattern(
    rf"(?<![{HIRA}])(?P<name>(?![のがはをにでへ]){_H}{{2,5}}[ ](?![のがはをにでへ]){_H}{{2,5}})[ ]?\Z"
)
_NAME_WINDOW = 28
_NAME_SELF = compile_pattern(rf"(?<![{KANJI}{KATA}])(?P<name>{_NAME_BODY})[ ]?\Z")
_SELF_INTRODUCTION = compile_pattern(r"と申し")
_NAME_FIELD = compile_pattern(
    r"(?=[氏お名申届契フ])(?:氏名|お名前|名前|名義人?|申請者名|届出人|契約者名|フリガナ)[ ]?(?:は|が|:|=)?[ ]?"
    rf"(?P<name>{_NAME_BODY})"
    # ... then です, と, で, a comma or full stop, or the next field
    r"(?=[ ]?(?:です|でございます|と申し|と|で(?![すき])|、|。|,|\.|\n|$|[(])|[ ]+[^\s:]{1,10}[:=])"
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Words that take さん/様/ちゃん without being names. Whole-word stops apply to the full run only;
# suffix stops apply to any run ending with them.
_NAME_EXACT_STOPS = frozenset(
    _words(
        "子 人 生 私 僕 俺 彼 貴 諸 同 当 上 男 女 赤 若 旦 先 我 某 各 全 他 此 其 一 本 宮 神 仏 王 姫 坊 僧 "
        "皆 母 父 兄 姉 弟 妹 客 奥 嫁 婿 孫 娘 爺 婆 隣 親 友 主 方 医 殿 君 様 "
        "大人 本人 主人 新人 友人 知人 住人 他人 個人 恋人 隣人 老人 婦人 夫人 職人 商人 芸人 役人 仲人 番人 故人 "
        "弥生 学生 先生 皆様 奥様 神様 仏様 殿様 王様 旦那 亭主 女将 大将 若旦那 彼女 彼氏 貴方 "
        "子供 息子 双子 養子 里子 王子 女子 男子 親子 母子 父子 末子 長男 長女 次男 次女 三男 三女"
    )
)
_NAME_SUFFIX_STOPS = (
    *_words("者 員 師 長 課 係 局 署 店 社 園 校 院 会 所 庁 官 族 民 婦 皆 母 父 兄 姉 娘 嫁 婿 孫 爺 婆"),
    *_words("奥 隣 親 主 友 業 医 工 手 役 将 方 様 殿 君 御 坊 僧 神 仏 姫 王"),
    *_words(
        "大家 家主 管理人 住人 主人 外国人 日本人 法人 団体 施設 組合 銀行 警察 消防 宅配 配達 近所 両親 "
        "担当 担任 窓口 受付 事務 役場 学生 先生 大工 八百屋 魚屋 本屋 花屋 床屋 酒屋 肉屋 米屋 薬屋 豆腐屋 "
        "電気屋 不動産屋 郵便屋 植木屋 便利屋 寿司屋 蕎麦屋 質屋 問屋 呉服屋 新聞屋 牛乳屋 布団屋 時計屋 "
        "眼鏡屋 靴屋 鍵屋 パン屋 猫 犬 通訳 "
        "車 店舗 企業 子供 息子 赤子 双子 里子 養子 王子 女子 男子 親子 保育士 介護士 "
        "弁護士 税理士 書士 労士 消防士 栄養士 看護士 療法士 福祉士 建築士 技士 会計士 運転士 飼育士 救命士 調理士 "
        "博士 委員 議員 民生委員 児童委員 保健師 看護師 薬剤師 医師 教師 技師 美容師 理容師 整体師 漁師 庭師 "
        "験生 入生 年生 学生 修生 習生 業生 校生 級生 宿生 塾生 家 協 職 和尚 駐在 番 組 団 隊 局 班 室 部"
    ),
    *_words(
        "ヘルパー ケアマネ ケアマネジャー ケアマネージャー ママ パパ スタッフ ドライバー オーナー ボランティア "
        "サンタ マネージャー マネジャー ガイド コーチ トレーナー カウンセラー ナース シッター ホスト ゲスト "
        "ユーザー メンバー カスタマー クライアント ワン ワンコ ネコ ニャン ウサギ ペット クマ パン サポーター "
        "コンシェルジュ センター ショップ ストア スーパー コンビニ クリニック ホーム ハウス マンション アパート "
        "チーム グループ クラブ ファン オペレーター プランナー デザイナー エンジニア リーダー パートナー ベビー "
        "キッズ ドクター ワーカー ケースワーカー アルバイト パート ママ友 ハム ゴミ ごみ メーカー ベンダー "
        "ディーラー ブローカー オフィサー カメラマン ガードマン セールスマン ポリス パトロール ショップ"
    ),
)
# A field's value that ends like a verb or adjective is not a name: 「氏名は書かないと」.
_VERB_ENDINGS = _words("ない なく たい ます ません する した して れる せる かる ける")
_NAME_SAMA_STOPS = _words("同 模 仕 多 異 有 紋 文 図 左 斯 一 今")
_NAME_DONO_STOPS = _words("宮 神 沈 湯 拝 本 社 寝 仏 御 貴 殿")
_NAME_HIRA_STOPS = ("みな", "みんな", "ども", "たち", "おば", "おじ", "ばあ", "じい", "かあ", "とう", "にい", "ねえ")
_NAME_FIELD_STOPS = frozenset(
    _words(
        "必須 必要 不要 任意 本名 旧姓 通称 何 記入 自署 署名 漢字 変更 同じ 未定 不明 同一 別 一緒 正式 英字 英語 "
        "全角 半角 省略 可能 大丈夫 公開 非公開 誰 本人 代理人 家族 世帯主 会社 法人 カタカナ ローマ字 ひらがな "
        "フリガナ アルファベット 旧字 外字 通名 記載 手書き 印字 登録 表示 確認 フルネーム ニックネーム イニシャル"
    )
)


_KANA_CHAR = re.compile(f"[{HIRA}{KATA}]")


def _name_is_plausible(name: str, honorific: str, before: str) -> bool:
    core = unicodedata.normalize("NFKC", name.replace(" ", ""))
    name = unicodedata.normalize("NFKC", name)
    if not core or (before != "" and before in "おご御") or core[0] == "御":
        return False
    if core in _NAME_EXACT_STOPS or core.endswith(_NAME_SUFFIX_STOPS):
        return False
    # A shop: 「ラーメン屋さん」, 「うどん屋さん」 (the name found is 屋 alone). Surnames ending in 屋
    # (土屋, 守屋) are written in kanji only.
    if core == "屋" or (core.endswith("屋") and _KANA_CHAR.search(core[:-1])):
        return False
    last = name.split(" ")[-1] if " " in name else None
    hira_tail = re.search(f"{_H}+$", core)
    if hira_tail:
        tail = hira_tail.group()
        if tail[0] in _HIRA_PARTICLE_START or tail.startswith(_NAME_HIRA_STOPS):
            return False
        head = core[: hira_tail.start()]
        if head in _NAME_EXACT_STOPS or head.endswith(_NAME_SUFFIX_STOPS):
            return False
    if last is not None and (last in _NAME_EXACT_STOPS or last.endswith(_NAME_SUFFIX_STOPS)):
        return False
    if honorific in ("様", "さま") and core.endswith(_NAME_SAMA_STOPS):
        return False
    return not (honorific == "殿" and core.endswith(_NAME_DONO_STOPS))


def detect_names(scan: Scan) -> None:
    words = scan.words
    found: list[tuple[int, int]] = []
    for h in _HONORIFIC.finditer(words):
        window = max(0, h.start() - _NAME_WINDOW)
        m = _NAME_BEFORE_HONORIFIC.search(words, window, h.start())
        if m:
            before = words[m.start() - 1] if m.start() > 0 else ""
            if _name_is_plausible(m.group("name"), h.group(), before):
                found.append(m.span("name"))
                continue
        m = _HIRAGANA_NAME_BEFORE_HONORIFIC.search(words, window, h.start())
        if m and not m.group("name").split(" ")[-1].startswith(_NAME_HIRA_STOPS):
            found.append(m.span("name"))
    for intro in _SELF_INTRODUCTION.finditer(words):
        m = _NAME_SELF.search(words, max(0, intro.start() - _NAME_WINDOW), intro.start())
        if m:
            before = words[m.start() - 1] if m.start() > 0 else ""
            if _name_is_plausible(m.group("name"), "", before):
                found.append(m.span("name"))
    for m in _NAME_FIELD.finditer(words):
        name = m.group("name")
        core = name.replace(" ", "")
        if (
            len(core) >= 2
            and core not in _NAME_FIELD_STOPS
            and not core.endswith(_VERB_ENDINGS)
            and _name_is_plausible(name, "", "")
        ):
            found.append(m.span("name"))
    found.extend(english_name_spans(words))
    found.sort()
    end = -1
    for start, stop in found:
        if start >= end:
            scan.mark(start, stop, "name")
            end = stop


_INTRO_FOLLOWERS = ("です", "と申", "と言い", "といい")
_INTRO_PRECEDERS = ("は", "の", "、", "。", "！", "？", "\n", " ", "　")
# What follows a surname standing alone that makes it a person: a signature (「佐藤より」), an address
# line (「島田宛」), 「西村という方」, or the person's family and belongings (「永井の母」, 「小川の携帯」).
_SURNAME_FOLLOWERS = ("宛", "あて", "という", "と言う", "って人", "って方")
_SURNAME_SIGN_OFF = re.compile(r"\A(?:より|から)[ ]?(?:[。！!.\n]|\Z)")
_SURNAME_OF = re.compile(
    r"\Aの(?:携帯|電話|自宅|実家|家(?![具電])|母|父|妻|夫|息子|娘|祖母|祖父|兄|姉|弟|妹|子|孫|嫁|婿|名義|口座)"
)


_NAME_NEXT_NOUNS = frozenset(_words("宛 あて 名義 氏 様 さん 殿 君 くん ちゃん 方 先生 本人"))
_SURROGATE = re.compile("[\ud800-\udfff]")


def names_by_tags(text: str) -> str:
    """Names without 様/さん, confirmed by SudachiPy's 人名 (personal name) tag.

    - a surname followed by a given name, anywhere: 「母の佐藤花子」, 「菅原 美咲、」;
    - a name that introduces the writer: 「山田太郎です」, 「私は佐藤と申します」;
    - a surname alone where only a person fits: 「佐藤より」, 「島田宛」, 「西村という方」, 「永井の母」.

    The tag keeps 「転入届です」 and place names (「中野区の」, 「上野です」) as they are.
    """
    if not any(is_kanji(ch) or "\u30a1" <= ch <= "\u30fa" or "\u3041" <= ch <= "\u3096" for ch in text):
        return text
    # Sudachi cannot read lone surrogates; one stand-in character each keeps the offsets.
    readable = _SURROGATE.sub("?", text)
    morphemes = list(tokenizer().tokenize(readable))

    def person(index: int) -> bool:
        return morphemes[index].part_of_speech()[2] == "人名"

    def blank(index: int) -> bool:
        return morphemes[index].surface().strip() == ""

    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(morphemes):
        if not person(i):
            i += 1
            continue
        j = i + 1
        while j < len(morphemes) and (person(j) or (blank(j) and j + 1 < len(morphemes) and person(j + 1))):
            j += 1
        parts = [morphemes[k].part_of_speech()[3] for k in range(i, j) if person(k)]
        following = morphemes[j] if j < len(morphemes) else None
        # A name ends the noun phrase (「山田太郎の」, 「山田太郎宛」); a noun right after it means Sudachi cut a
        # compound wrongly: 平成元年度 is not 平 (surname) + 成元 (given name) + 年度.
        compound = (
            following is not None
            and following.part_of_speech()[0] == "名詞"
            and following.surface() not in _NAME_NEXT_NOUNS
        )
        full_name = "姓" in parts and parts[-1] == "名" and parts.index("姓") < len(parts) - 1 and not compound
        before = morphemes[i - 1].surface() if i > 0 else ""
        after = text[morphemes[j - 1].end() : morphemes[j - 1].end() + 6]
        introduced = (i == 0 or before in _INTRO_PRECEDERS) and after.startswith(_INTRO_FOLLOWERS)
        surname_alone = parts == ["姓"] and (
            after.startswith(_SURNAME_FOLLOWERS) or _SURNAME_SIGN_OFF.match(after) or _SURNAME_OF.match(after)
        )
        if full_name or introduced or surname_alone:
            spans.append((morphemes[i].begin(), morphemes[j - 1].end()))
        i = j
    for begin, end in reversed(spans):
        text = text[:begin] + PLACEHOLDERS["name"] + text[end:]
    return text
