"""The store of FAQ vectors, chosen by dotted path in the setting `VECTOR_STORE` (an object with
`collection(name)` and `collection_names()`): `ChromaStore` by default, chromadb embedded in the data directory,
or a chromadb server when `CHROMA_HOST` is set.

Vectors are always computed by our encoders and passed in; chromadb never
embeds text itself (its default embedding function would try to download a
model). Collections are created only when an index is built, never on the
query path.
"""

import threading
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function
from django.conf import settings
from django.utils.module_loading import import_string

_clients: dict[str, Any] = {}
_lock = threading.Lock()


@register_embedding_function
class VectorsArePrecomputed(EmbeddingFunction[Documents]):
    """Refuses to embed: every vector must come from our own encoders."""

    def __init__(self) -> None:
        pass

    def __call__(self, input: Documents) -> Embeddings:
        raise RuntimeError("FAQ vectors are computed by the project's encoders; chromadb must not embed text")

    @staticmethod
    def name() -> str:
        return "town-faq-precomputed"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "VectorsArePrecomputed":
        return VectorsArePrecomputed()


def _chroma_settings() -> Any:
    """chromadb's settings (telemetry off), made only when a client is: reading them costs about 30 ms."""
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False)


def client(path: Path | None = None) -> Any:
    """The chromadb client: HttpClient when CHROMA_HOST is set, else a PersistentClient."""
    import chromadb

    if path is None and settings.CHROMA_HOST:
        key = f"http://{settings.CHROMA_HOST}:{settings.CHROMA_PORT}"
        with _lock:
            if key not in _clients:
                _clients[key] = chromadb.HttpClient(
                    host=settings.CHROMA_HOST, port=settings.CHROMA_PORT, settings=_chroma_settings()
                )
            return _clients[key]
    directory = Path(path or settings.CHROMA_PATH)
    key = str(directory)
    with _lock:
        if key not in _clients:
            directory.mkdir(parents=True, exist_ok=True)
            _clients[key] = chromadb.PersistentClient(path=key, settings=_chroma_settings())
        return _clients[key]


def forget_client(path: Path) -> None:
    """Drop a cached client, e.g. after its directory was removed."""
    with _lock:
        cached = _clients.pop(str(path), None)
    # chromadb keeps its own system per path; without closing it a new client
    # would still serve the removed directory's data.
    close = getattr(cached, "close", None)
    if close is not None:
        close()


class VectorCollection:
    """One chromadb collection: the vectors of one encoder for one index generation."""

    def __init__(self, chroma: Any, name: str) -> None:
        self.chroma = chroma
        self.name = name

    def create(self) -> None:
        self.chroma.create_collection(
            name=self.name,
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=VectorsArePrecomputed(),
        )

    def _collection(self) -> Any:
        return self.chroma.get_collection(name=self.name, embedding_function=VectorsArePrecomputed())

    def upsert(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict[str, Any]]) -> None:
        collection = self._collection()
        step = 1000
        for start in range(0, len(ids), step):
            collection.upsert(
                ids=ids[start : start + step],
                embeddings=vectors[start : start + step].tolist(),
                metadatas=metadatas[start : start + step],
            )

    def delete_faqs(self, faq_ids: list[int]) -> None:
        if faq_ids:
            self._collection().delete(where={"faq_id": {"$in": faq_ids}})

    def fetch_all(self) -> tuple[list[str], np.ndarray, list[dict[str, Any]]]:
        """Every vector with its metadata (raises if the collection is missing)."""
        collection = self._collection()
        result = collection.get(include=["embeddings", "metadatas"])
        embeddings = result["embeddings"]
        vectors = np.asarray(embeddings, dtype=np.float32) if len(result["ids"]) else np.zeros((0, 0), np.float32)
        return list(result["ids"]), vectors, list(result["metadatas"] or [])

    def count(self) -> int:
        return int(self._collection().count())

    def drop(self) -> None:
        try:
            self.chroma.delete_collection(name=self.name)
        except Exception:
            return


class ChromaStore:
    """chromadb: a server (HttpClient) when `CHROMA_HOST` is set, else a directory (PersistentClient at
    `CHROMA_PATH`, or at `path`)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path

    def collection(self, name: str) -> VectorCollection:
        return VectorCollection(client(self.path), name)

    def collection_names(self) -> list[str]:
        return [str(getattr(item, "name", item)) for item in client(self.path).list_collections()]


def vector_store() -> Any:
    """The store named by `settings.VECTOR_STORE`."""
    return import_string(settings.VECTOR_STORE)()


def drop_index_collections(prefix: str = "faq-g") -> int:
    """Remove every index collection (after a restore, none matches the restored database)."""
    store = vector_store()
    names = [name for name in store.collection_names() if name.startswith(prefix)]
    for name in names:
        store.collection(name).drop()
    return len(names)


def collection_name(prefix: str, encoder_name: str) -> str:
    return f"{prefix}-{encoder_name}"


def store_views(collection: VectorCollection, faq_ids: list[int], views: dict[str, Any]) -> None:
    """Write the vectors of one encoder (all its views) for the given documents.

    `views` maps signal name ("encoder:view") to a DenseView whose rows index
    into `faq_ids`.
    """
    for signal, view in views.items():
        view_name = signal.split(":", 1)[1]
        counters: dict[int, int] = {}
        ids, metadatas = [], []
        for row in view.rows.tolist():
            faq_id = faq_ids[row]
            number = counters.get(faq_id, 0)
            counters[faq_id] = number + 1
            ids.append(f"{faq_id}:{view_name}:{number}")
            metadatas.append({"faq_id": faq_id, "view": view_name})
        if ids:
            collection.upsert(ids, view.vectors, metadatas)


def load_views(collection: VectorCollection, encoder_name: str, position: dict[int, int]) -> dict[str, Any]:
    """Read one encoder's vectors back as DenseViews over the snapshot's documents.

    Vectors of FAQs that are not in `position` (e.g. withdrawn meanwhile) are skipped.
    """
    from faq.retrieval.engine import DenseView, dense_signal

    _ids, vectors, metadatas = collection.fetch_all()
    grouped: dict[str, tuple[list[int], list[int]]] = {}
    for index, metadata in enumerate(metadatas):
        row = position.get(int(metadata["faq_id"]))
        if row is None:
            continue
        signal = dense_signal(encoder_name, str(metadata["view"]))
        rows, picks = grouped.setdefault(signal, ([], []))
        rows.append(row)
        picks.append(index)
    return {
        signal: DenseView(vectors[picks], np.asarray(rows, dtype=np.int64)) for signal, (rows, picks) in grouped.items()
    }
