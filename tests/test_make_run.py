"""`make run` stops as a person stops it: Ctrl-C in the terminal or SIGTERM to its process group ends the web
server and the task cluster, the cluster after stopping its workers itself."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.embedded_only

# How long a process may take before it counts as hung; a clean stop takes about a second.
HUNG = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def processes_with(marker: str) -> list[int]:
    """The live processes whose environment carries the marker: everything `make run` started."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in environ and state != "Z":
            found.append(int(entry.name))
    return found


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return bool(condition())


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_make_run_stops_the_server_and_the_task_cluster(tmp_path, signum):
    marker = f"town-faq-run-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path / "data"),
        "RUN_MARKER": marker,
        "DJANGO_SETTINGS_MODULE": "chatbot.project.settings",
    }
    for name in ("DATABASE_URL", "REDIS_URL", "CHROMA_HOST", "TEST_ON_SERVICES"):
        env.pop(name, None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    log_path = tmp_path / "run.log"
    with log_path.open("wb") as log:
        make = subprocess.Popen(
            # The set-up (install, migrate, sample town) is what other tests check; here only the run recipe.
            ["make", "-o", "setup", "run", f"PORT={port}", f"VENV={Path(sys.executable).parent.parent}"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # A terminal's Ctrl-C reaches processes whose SIGINT is not ignored.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        try:
            assert wait_for(lambda: answers(f"http://127.0.0.1:{port}/healthz"), 120), log_path.read_text()
            assert wait_for(lambda: "starting" in log_path.read_text(), 60), log_path.read_text()
            started = processes_with(marker)
            assert len(started) >= 4, "make, the shell, the server and the cluster with its workers"

            os.killpg(make.pid, signum)

            make.wait(timeout=HUNG)
            assert wait_for(lambda: not processes_with(marker), HUNG), processes_with(marker)
        finally:
            for pid in processes_with(marker):
                os.kill(pid, signal.SIGKILL)
            make.wait(timeout=10)
    log_text = log_path.read_text()
    assert "has stopped" in log_text, log_text[-2000:]
    assert not answers(f"http://127.0.0.1:{port}/healthz")
