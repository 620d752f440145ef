"""Functions the django-q2 schedules run."""

from chatbot.services import turns_reap


def reap_turns() -> int:
    return turns_reap()
