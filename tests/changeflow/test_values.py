"""The old value is replaced only where it stands whole, in any width or spacing, and doubtful places are reported."""

import pytest

from changeflow.drafts import proposed_text
from changeflow.values import ValueProposal, same_value, value_replace


def replace(text: str, old: str, new: str, kind: str = "") -> ValueProposal:
    return value_replace(texts=[text], old_value=old, new_value=new, kind=kind)


def codes(proposal: ValueProposal) -> list[str]:
    return [warning.code for warning in proposal.warnings]


@pytest.mark.parametrize(
    "larger",
    ["3枚（1,500円）", "2,500円", "1500円", "１，５００円", "1万500円", "10,500円", "1.500円"],
)
def test_value_replace_amount_inside_a_larger_amount_is_kept(larger: str) -> None:
    text = f"1枚500円です。{larger}でまとめて買えます。"

    proposal = replace(text, "500円", "600円", "fee")

    assert proposal.texts == (f"1枚600円です。{larger}でまとめて買えます。",)
    assert len(proposal.replacements) == 1


def test_value_replace_three_tickets_fee_is_unchanged_and_pointed_out() -> None:
    proposal = replace("1枚500円です。3枚（1,500円）もあります。", "500円", "600円", "fee")

    assert proposal.texts == ("1枚600円です。3枚（1,500円）もあります。",)
    assert codes(proposal) == ["other_values"]
    assert proposal.warnings[0].values == ("1,500円",)
    assert "「1,500円」" in proposal.warnings[0].message


@pytest.mark.parametrize("written", ["５００円", "500 円", "500　円", "500円", "５００ 円"])
def test_value_replace_width_and_spacing_variants_are_the_same_amount(written: str) -> None:
    proposal = replace(f"手数料は１件{written}です。", "500円", "600円")

    assert proposal.texts == ("手数料は１件600円です。",)  # the rest of the text keeps its full-width digits
    assert proposal.replacements[0].old == written


@pytest.mark.parametrize("typed", ["５００円", "500 円", " 500円 "])
def test_value_replace_old_value_typed_in_another_width_is_found(typed: str) -> None:
    assert replace("1点につき500円です。", typed, "７００円").texts == ("1点につき７００円です。",)


@pytest.mark.parametrize("written", ["1,500円", "1500円", "１，５００円", "１５００円", "1,500 円"])
@pytest.mark.parametrize("typed", ["1,500円", "1500円", "１，５００円"])
def test_value_replace_amount_with_or_without_thousands_comma(written: str, typed: str) -> None:
    proposal = replace(f"3枚で{written}、11,500円の券もあります。", typed, "1,800円")

    assert proposal.texts == ("3枚で1,800円、11,500円の券もあります。",)


def test_value_replace_amount_followed_by_a_larger_unit_is_kept() -> None:
    text = "上限は1,000万円、手数料は1,000円です。"

    assert replace(text, "1,000", "1,200").texts == ("上限は1,000万円、手数料は1,200円です。",)


def test_value_replace_times_match_whole_only() -> None:
    text = "平日は8:30から17:15まで、木曜は18:30まで受け付けます。"

    proposal = replace(text, "8:30", "9:00", "hours")

    assert proposal.texts == ("平日は9:00から17:15まで、木曜は18:30まで受け付けます。",)
    assert proposal.warnings[0].code == "other_values"
    assert proposal.warnings[0].values == ("17:15", "18:30")


@pytest.mark.parametrize("written", ["８：３０", "8：30", "08:30", "8:30"])
def test_value_replace_time_variants_are_the_same_time(written: str) -> None:
    assert replace(f"受付は{written}からです。", "8:30", "9:00").texts == ("受付は9:00からです。",)


def test_value_replace_time_in_a_range() -> None:
    text = "受付時間は8:30-17:15です。"

    assert replace(text, "17:15", "17:00").texts == ("受付時間は8:30-17:00です。",)
    assert replace(text, "8:30", "9:00").texts == ("受付時間は9:00-17:15です。",)


@pytest.mark.parametrize(
    ("text", "old", "expected"),
    [
        ("2025/4/1から、2025/4/10まで", "2025/4/1", "2025/5/1から、2025/4/10まで"),
        ("2025/04/01から", "2025/4/1", "2025/5/1から"),
        ("令和7年4月1日から令和7年4月10日まで", "令和7年4月1日", "令和7年5月1日から令和7年4月10日まで"),
        ("令和７年４月１日から", "令和7年4月1日", "令和7年5月1日から"),
    ],
)
def test_value_replace_dates_match_whole_only(text: str, old: str, expected: str) -> None:
    new = "令和7年5月1日" if old.startswith("令和") else "2025/5/1"

    assert replace(text, old, new).texts == (expected,)


def test_value_replace_part_of_a_date_is_not_a_date() -> None:
    proposal = replace("締切は2025/4/1です。", "4/1", "5/1")

    assert proposal.texts == ("締切は2025/4/1です。",)
    assert codes(proposal) == ["not_found"]


@pytest.mark.parametrize("longer", ["10000-11-1301", "0000-11-13012", "0000-11-1301-2"])
def test_value_replace_phone_number_inside_a_longer_number_is_kept(longer: str) -> None:
    text = f"環境課 0000-11-1301、夜間 {longer}"

    proposal = replace(text, "0000-11-1301", "0000-22-2202", "contact")

    assert proposal.texts == (f"環境課 0000-22-2202、夜間 {longer}",)


def test_value_replace_phone_number_tail_is_not_a_phone_number() -> None:
    proposal = replace("電話は0000-11-1301です。", "11-1301", "22-2202")

    assert proposal.texts == ("電話は0000-11-1301です。",)
    assert codes(proposal) == ["not_found"]


@pytest.mark.parametrize("written", ["0000－11－1301", "００００－１１－１３０１", "0000ー11ー1301"])
def test_value_replace_phone_number_in_full_width(written: str) -> None:
    assert replace(f"電話 {written}", "0000-11-1301", "0000-22-2202").texts == ("電話 0000-22-2202",)


def test_value_replace_other_phone_numbers_are_pointed_out() -> None:
    proposal = replace("窓口 0000-11-1301、FAX （0000）11-1399", "0000-11-1301", "0000-22-2202", "contact")

    assert proposal.warnings[0].code == "other_values"
    assert proposal.warnings[0].values == ("（0000）11-1399",)


def test_value_replace_not_found_warns_and_keeps_the_text() -> None:
    text = "粗大ごみ処理券は1点につき五百円です。"

    proposal = replace(text, "500円", "600円", "fee")

    assert proposal.texts == (text,)
    assert proposal.replacements == []
    assert codes(proposal) == ["not_found"]
    assert "500円" in proposal.warnings[0].message


def test_value_replace_more_than_once_in_one_faq_asks_to_check_each() -> None:
    question = "粗大ごみの手数料は500円ですか。"
    answer = "はい、1点500円です。2点目からも500円です。"

    proposal = value_replace(texts=[question, answer], old_value="500円", new_value="600円", kind="fee")

    assert proposal.texts == ("粗大ごみの手数料は600円ですか。", "はい、1点600円です。2点目からも600円です。")
    assert codes(proposal) == ["repeated"]
    assert "3" in proposal.warnings[0].message
    assert [(place.part, place.start) for place in proposal.replacements] == [(0, 9), (1, 5), (1, 18)]


def test_value_replace_reports_the_place_and_its_context() -> None:
    text = "粗大ごみ処理券（1点）は、コンビニや市役所で500円で販売しています。"

    place = replace(text, "500円", "600円").replacements[0]

    assert text[place.start : place.end] == "500円"
    assert (place.before, place.old, place.new, place.after) == (
        "…ごみ処理券（1点）は、コンビニや市役所で",
        "500円",
        "600円",
        "で販売しています。",
    )


def test_value_replace_other_values_depend_on_the_template() -> None:
    text = "1回500円、受付は8:30から17:15まで。"

    assert codes(replace(text, "500円", "600円", "procedure")) == []
    assert codes(replace(text, "8:30", "9:00", "fee")) == ["other_values"]
    assert replace(text, "8:30", "9:00", "fee").warnings[0].values == ("500円",)


@pytest.mark.parametrize(("old", "new"), [("", "600円"), ("500円", ""), ("  ", "600円")])
def test_value_replace_without_both_values_changes_nothing(old: str, new: str) -> None:
    proposal = replace("1点500円です。", old, new, "fee")

    assert proposal == ValueProposal(("1点500円です。",))


def test_value_replace_email_address_whole_only() -> None:
    text = "kankyo@town.example.jp または old.kankyo@town.example.jp へ"

    proposed = replace(text, "kankyo@town.example.jp", "gomi@town.example.jp").texts

    assert proposed == ("gomi@town.example.jp または old.kankyo@town.example.jp へ",)


def test_proposed_text_replaces_whole_values_only() -> None:
    assert proposed_text("1枚500円、3枚1,500円", "500円", "600円") == "1枚600円、3枚1,500円"


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("500円", "５００円", True),
        ("500 円", "500円", True),
        ("1,500円", "1500円", True),
        ("８：３０", "8:30", True),
        ("500円", "1,500円", False),
        ("8:30", "18:30", False),
    ],
)
def test_same_value_ignores_width_spacing_and_grouping(first: str, second: str, same: bool) -> None:
    assert same_value(first, second) is same
