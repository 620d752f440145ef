"""Texts the resident reads, in Japanese and English (the turn's language decides, not the staff locale)."""

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from faq.models import Department

TEXTS = {
    "empty": _("Please type a question."),
    "too_long": _("Please keep your question under {limit} characters."),
    "control": _("Your question contains characters that cannot be used."),
    "no_text": _("Please type your question in words."),
    "lang": _("Unsupported language (Japanese or English)."),
    "clarify": _("Which of these do you mean?"),
    "handoff": _("Please contact {department} about this."),
    "handoff_related": _(
        "We found no FAQ that fits your question closely. Related FAQs are listed below; "
        "if none of them helps, please contact {department}."
    ),
    "handoff_general": _("We could not find an answer. Please contact {department}."),
    "error": _("We cannot answer right now. Please contact {department}."),
    "japanese_only": _(
        "This answer is available in Japanese only for now. If you need help in English, please contact {department}."
    ),
    "machine_translation": _(
        "This answer is a machine translation of the town's Japanese FAQ; the Japanese text is the official one. "
        "If anything is unclear, please contact {department}."
    ),
}


def text(key: str, lang: str, **values: object) -> str:
    """The text in the turn's language (Japanese translations in locale/ja, like every other text)."""
    with translation.override("en" if lang == "en" else "ja"):
        return str(TEXTS[key]).format(**values)


def department_name(department: Department | None, lang: str) -> str:
    if department is None:
        with translation.override("en" if lang == "en" else "ja"):
            return str(_("the town office"))
    if lang == "en" and department.name_en:
        return department.name_en
    return department.name


def _phone_label(lang: str) -> str:
    with translation.override("en" if lang == "en" else "ja"):
        return str(_("Phone"))


def contact_line(department: Department | None, lang: str) -> str:
    """「環境課（電話 0000-11-1301、本庁舎2階、平日8:30-17:15）」"""
    name = department_name(department, lang)
    if department is None:
        return name
    english = lang == "en"
    parts = [
        f"{_phone_label(lang)} {department.phone}" if department.phone else "",
        (english and department.window_en) or department.window,
        (english and department.hours_en) or department.hours,
    ]
    details = ("; " if lang == "en" else "、").join(part for part in parts if part)
    if not details:
        return name
    return f"{name} ({details})" if lang == "en" else f"{name}（{details}）"
