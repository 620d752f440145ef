"""Locust users for `manage.py bench_load`: residents asking the sample town's questions over HTTP.

LOAD_MODE=fixed: each user asks once a second (users = requests per second);
otherwise users ask back to back, to find the sustainable maximum.
"""

import json
import os
import random
import uuid
from pathlib import Path

import gevent
from locust import FastHttpUser, constant, constant_throughput, task

QUESTIONS = [
    json.loads(line)["query"]
    for path in os.environ.get("LOAD_QUESTIONS", "").split(os.pathsep)
    if path
    for line in Path(path).read_text(encoding="utf-8").splitlines()
    if line.strip()
] or ["粗大ごみを出したい"]


class Resident(FastHttpUser):
    wait_time = constant_throughput(1) if os.environ.get("LOAD_MODE") == "fixed" else constant(0)

    def on_start(self) -> None:
        # Users spawned together would all ask at the same instant every second; residents don't.
        if os.environ.get("LOAD_MODE") == "fixed":
            gevent.sleep(random.uniform(0, 1))

    @task
    def ask(self) -> None:
        self.client.post(
            "/api/v1/chat",
            json={"question": random.choice(QUESTIONS)},
            headers={"Idempotency-Key": uuid.uuid4().hex, "X-Chat-Client": "widget"},
            name="/api/v1/chat",
        )
