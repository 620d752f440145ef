"""The ASGI application under its name before the project package moved; the application is
`chatbot.project.asgi`."""

from chatbot.project.asgi import application

__all__ = ["application"]
