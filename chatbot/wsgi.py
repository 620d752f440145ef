"""The WSGI application under its name before the project package moved (`gunicorn chatbot.wsgi:application` in an
installation's service files keeps working); the application is `chatbot.project.wsgi`."""

from chatbot.project.wsgi import application

__all__ = ["application"]
