"""The same value in an FAQ's English texts: its English forms are found whole and rewritten in the form found."""

import pytest

from changeflow.values import ValueProposal, value_replace


def replace_en(text: str, old: str, new: str, kind: str = "") -> ValueProposal:
    return value_replace(texts=[text], old_value=old, new_value=new, kind=kind, language="en")


def codes(proposal: ValueProposal) -> list[str]:
    return [warning.code for warning in proposal.warnings]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("300 yen", "400 yen"),
        ("300yen", "400yen"),
        ("300 Yen", "400 Yen"),
        ("a 300-yen ticket", "a 400-yen ticket"),
        ("¥300", "¥400"),
        ("￥300", "￥400"),
        ("¥ 300", "¥ 400"),
        ("JPY 300", "JPY 400"),
        ("300 JPY", "400 JPY"),
        ("３００ yen", "400 yen"),
        ("300円", "400円"),
    ],
)
def test_english_fee_is_written_in_the_form_found(written: str, expected: str) -> None:
    proposal = replace_en(f"The fee is {written} per copy.", "300円", "400円", "fee")

    assert proposal.texts == (f"The fee is {expected} per copy.",)
    assert [place.new for place in proposal.replacements] == [expected.removeprefix("a ").removesuffix(" ticket")]


@pytest.mark.parametrize(
    "larger", ["1,300 yen", "1300 yen", "2,300 yen", "¥1,300", "JPY 1,300", "¥300,000", "300,000 yen", "¥300.50"]
)
def test_english_fee_inside_a_larger_amount_is_kept(larger: str) -> None:
    text = f"One copy is 300 yen; {larger} for the set."

    proposal = replace_en(text, "300円", "400円", "fee")

    assert proposal.texts == (f"One copy is 400 yen; {larger} for the set.",)
    assert len(proposal.replacements) == 1


def test_english_fee_before_a_larger_unit_is_kept() -> None:
    text = "Loans up to ¥300 million; the fee is ¥300."

    assert replace_en(text, "300円", "400円").texts == ("Loans up to ¥300 million; the fee is ¥400.",)


def test_english_other_amounts_are_pointed_out() -> None:
    proposal = replace_en("A copy is 300 yen; a set is 1,300 yen.", "300円", "400円", "fee")

    assert codes(proposal) == ["other_values"]
    assert proposal.warnings[0].values == ("1,300 yen",)
    assert "英語の文面" in proposal.warnings[0].message


@pytest.mark.parametrize(
    ("old", "new", "text", "expected"),
    [
        ("1,000円", "1200円", "The fee is 1,000 yen.", "The fee is 1,200 yen."),  # English groups thousands
        ("1000円", "1,200円", "The fee is 1000 yen.", "The fee is 1200 yen."),  # unless the text does not
        ("300円", "1800円", "It is 300 yen.", "It is 1,800 yen."),
        ("1万円", "1万2000円", "It is 10,000 yen.", "It is 12,000 yen."),
        ("¥300", "¥400", "It is 300 yen.", "It is 400 yen."),
        ("300円", "400", "It is ¥300.", "It is ¥400."),  # a bare new number is a fee where the old one is
    ],
)
def test_english_fee_amounts_as_typed_and_as_written(old: str, new: str, text: str, expected: str) -> None:
    assert replace_en(text, old, new).texts == (expected,)


def test_english_value_without_an_english_form_is_pointed_out_not_replaced() -> None:
    text = "The fee is 300 yen per copy."

    proposal = replace_en(text, "300円", "無料", "fee")

    assert proposal.texts == (text,)
    assert proposal.replacements == []
    assert codes(proposal) == ["not_translated"]
    assert proposal.warnings[0].values == ("300 yen",)
    assert "無料" in proposal.warnings[0].message


def test_english_text_without_the_old_value_warns() -> None:
    text = "The fee is three hundred yen."

    proposal = replace_en(text, "300円", "400円", "fee")

    assert proposal.texts == (text,)
    assert codes(proposal) == ["not_found"]
    assert "英語の文面に「300円」はひとまとまりの値として見つかりませんでした" in proposal.warnings[0].message


def test_english_time_in_24_hours_is_replaced_as_in_japanese() -> None:
    text = "Open on weekdays from 8:30 to 17:15; until 19:00 on Thursdays. Closed at 17:15 sharp."

    proposal = replace_en(text, "17:15", "18:00", "hours")

    assert proposal.texts == ("Open on weekdays from 8:30 to 18:00; until 19:00 on Thursdays. Closed at 18:00 sharp.",)
    assert codes(proposal) == ["repeated", "other_values"]
    assert proposal.warnings[1].values == ("8:30", "19:00")


@pytest.mark.parametrize(
    ("old", "new", "written", "expected"),
    [
        ("17:15", "18:00", "5:15 p.m.", "6:00 p.m."),
        ("17:15", "18:00", "5:15PM", "6:00PM"),
        ("17:00", "18:30", "5 pm", "6:30 pm"),
        ("17:00", "18:00", "5 pm", "6 pm"),
        ("8:30", "13:00", "8:30 a.m.", "1:00 p.m."),
        ("8:30", "9:00", "08:30", "09:00"),
        ("17時15分", "18時", "17:15", "18:00"),
    ],
)
def test_english_time_is_written_in_the_form_found(old: str, new: str, written: str, expected: str) -> None:
    assert replace_en(f"Until {written} on weekdays.", old, new).texts == (f"Until {expected} on weekdays.",)


@pytest.mark.parametrize("other", ["18:30", "8:30 p.m.", "8:30pm"])
def test_english_time_that_is_another_time_is_kept(other: str) -> None:
    assert replace_en(f"From {other}.", "8:30", "9:00").texts == (f"From {other}.",)


def test_english_time_range_keeps_its_separator() -> None:
    text = "Reception: 8:30 to 17:15 (weekdays), 9:00–12:00 (Saturdays)."

    assert replace_en(text, "8:30～17:15", "9:00～18:00", "hours").texts == (
        "Reception: 9:00 to 18:00 (weekdays), 9:00–12:00 (Saturdays).",
    )


def test_english_phone_number_is_the_same_as_in_japanese() -> None:
    text = "Call the Environment Division (0000-11-1301); fax 0000-11-13012 is another line."

    proposal = replace_en(text, "0000-11-1301", "０２７６－２２－２２０２", "contact")

    assert proposal.texts == ("Call the Environment Division (0276-22-2202); fax 0000-11-13012 is another line.",)


def test_english_date_is_written_in_the_form_found() -> None:
    text = "From Wednesday, April 1, 2026 (令和8年4月1日) and from 1 April 2026 on the form (2026/04/01)."

    proposal = replace_en(text, "令和8年4月1日", "2026/5/1")

    assert proposal.texts == ("From Friday, May 1, 2026 (令和8年5月1日) and from 1 May 2026 on the form (2026/05/01).",)


def test_english_without_both_values_changes_nothing() -> None:
    assert replace_en("It is 300 yen.", "", "400円") == ValueProposal(("It is 300 yen.",))
