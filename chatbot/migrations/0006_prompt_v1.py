"""Prompt version 1 (active) and the LLM switch (on: LLM replies whenever an LLM is configured)."""

from django.db import migrations

from chatbot.llm.prompts import PROMPT_V1


def create(apps, schema_editor):
    PromptVersion = apps.get_model("chatbot", "PromptVersion")
    LlmSwitch = apps.get_model("chatbot", "LlmSwitch")
    if not PromptVersion.objects.exists():
        PromptVersion.objects.create(text=PROMPT_V1, is_active=True, note="version 1 (shipped)")
    LlmSwitch.objects.get_or_create(pk=1, defaults={"enabled": True})


class Migration(migrations.Migration):
    dependencies = [("chatbot", "0005_llm")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
