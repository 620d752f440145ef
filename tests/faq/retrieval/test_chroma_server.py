"""CHROMA_HOST/CHROMA_PORT move the vectors to a chromadb server with no code change.

The server is the real one from the chromadb package (`chroma run`), started on
127.0.0.1 by the test and stopped afterwards.
"""

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from faq.retrieval import vectorstore
from faq.retrieval.index import index_rebuild
from tests.faq.retrieval.conftest import top_question

pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    executable = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = _free_port()
    process = subprocess.Popen(
        [executable, "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the chromadb server did not start") from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_index_on_chroma_server_answers_questions(settings, town, chroma_server, isolated_index):
    settings.CHROMA_HOST = "127.0.0.1"
    settings.CHROMA_PORT = chroma_server
    generation = index_rebuild()
    assert top_question("ソファを捨てたい") == "粗大ごみの収集を申し込みたい。"
    names = {collection.name for collection in vectorstore.client().list_collections()}
    assert {f"{generation.collection_prefix}-e5-small", f"{generation.collection_prefix}-use-multilingual"} <= names
    # Nothing was written to the embedded store's directory.
    assert not isolated_index.exists()
