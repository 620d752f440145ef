"""Texts the resident reads, in Japanese and English (the turn's language decides, not the staff locale)."""

from faq.models import Department

TEXTS = {
    "empty": ("質問を入力してください。", "Please type a question."),
    "too_long": ("質問は{limit}文字以内でお願いします。", "Please keep your question under {limit} characters."),
    "control": ("質問に使えない文字が含まれています。", "Your question contains characters that cannot be used."),
    "no_text": ("文字で質問を入力してください。", "Please type your question in words."),
    "lang": ("対応していない言語です（日本語または英語）。", "Unsupported language (Japanese or English)."),
    "clarify": ("次のどれについてのご質問ですか？", "Which of these do you mean?"),
    "handoff": (
        "この件は{department}へお問い合わせください。",
        "Please contact {department} about this.",
    ),
    "handoff_related": (
        "ご質問にぴったり合うFAQは見つかりませんでした。関連するFAQを下に示します。"
        "当てはまらない場合は{department}へお問い合わせください。",
        "We found no FAQ that fits your question closely. Related FAQs are listed below; "
        "if none of them helps, please contact {department}.",
    ),
    "handoff_general": (
        "お答えできる情報が見つかりませんでした。{department}へお問い合わせください。",
        "We could not find an answer. Please contact {department}.",
    ),
    "error": (
        "ただいま回答できません。{department}へお問い合わせください。",
        "We cannot answer right now. Please contact {department}.",
    ),
}


def text(key: str, lang: str, **values: object) -> str:
    japanese, english = TEXTS[key]
    return (english if lang == "en" else japanese).format(**values)


def department_name(department: Department | None, lang: str) -> str:
    if department is None:
        return "役場の総合案内" if lang != "en" else "the town office"
    if lang == "en" and department.name_en:
        return department.name_en
    return department.name


def contact_line(department: Department | None, lang: str) -> str:
    """「環境課（電話 0000-11-1301、本庁舎2階、平日8:30-17:15）」"""
    name = department_name(department, lang)
    if department is None:
        return name
    parts = [
        f"{'Phone' if lang == 'en' else '電話'} {department.phone}" if department.phone else "",
        department.window,
        department.hours,
    ]
    details = ("; " if lang == "en" else "、").join(part for part in parts if part)
    if not details:
        return name
    return f"{name} ({details})" if lang == "en" else f"{name}（{details}）"
