"""The settings under their name before the project package moved to `chatbot/project/`: an installation set up
then (DJANGO_SETTINGS_MODULE=chatbot.settings in its service files) keeps working unchanged."""

from chatbot.project.settings import *  # noqa: F403
