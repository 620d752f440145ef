"""The chatbot's admin; importing each module registers its models (Django autodiscovers `chatbot.admin`)."""

from chatbot.admin import gate, llm, monitoring, quality, translations, turns

__all__ = ["gate", "llm", "monitoring", "quality", "translations", "turns"]
