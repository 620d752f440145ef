import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatbot.project.settings")
# In the web server the workers are the parallelism: each question's e5 encoding runs on one OpenMP thread
# (a short question gains nothing from two), so concurrent questions in two workers do not fight over the
# cores. Read by the OpenMP runtime when the encoder loads; set OMP_NUM_THREADS to override.
os.environ.setdefault("OMP_NUM_THREADS", "1")

application = get_wsgi_application()
