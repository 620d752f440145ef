"""chromadb as the FAQ vector store, on a real PersistentClient in the test's directory."""

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from chromadb.errors import NotFoundError
from django.conf import settings

from faq.retrieval import vectorstore
from faq.retrieval.engine import DenseView
from faq.retrieval.vectorstore import VectorCollection, VectorsArePrecomputed, load_views, store_views


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[VectorCollection]:
    created = VectorCollection(vectorstore.client(tmp_path / "store"), "faq-g1-e5-small")
    created.create()
    yield created
    vectorstore.forget_client(tmp_path / "store")


def unit_rows(*rows: list[float]) -> np.ndarray:
    array = np.asarray(rows, dtype=np.float32)
    return array / np.linalg.norm(array, axis=1, keepdims=True)


def test_collection_create_uses_cosine_space(collection):
    stored = collection.chroma.get_collection(name=collection.name)

    assert stored.configuration["hnsw"]["space"] == "cosine"
    assert collection.count() == 0


def test_collection_upsert_then_fetch_all_returns_vectors_and_metadata(collection):
    vectors = unit_rows([1, 0, 0], [0, 1, 0], [0, 0, 1])
    metadatas = [
        {"faq_id": 1, "view": "question"},
        {"faq_id": 1, "view": "answer"},
        {"faq_id": 2, "view": "question"},
    ]

    collection.upsert(["1:question:0", "1:answer:0", "2:question:0"], vectors, metadatas)
    ids, fetched, fetched_metadatas = collection.fetch_all()

    by_id = {id_: (row, metadata) for id_, row, metadata in zip(ids, fetched, fetched_metadatas, strict=True)}
    assert set(by_id) == {"1:question:0", "1:answer:0", "2:question:0"}
    np.testing.assert_allclose(by_id["2:question:0"][0], vectors[2], atol=1e-6)
    assert by_id["1:answer:0"][1] == {"faq_id": 1, "view": "answer"}


def test_collection_upsert_same_id_replaces_vector(collection):
    collection.upsert(["1:question:0"], unit_rows([1, 0, 0]), [{"faq_id": 1, "view": "question"}])
    collection.upsert(["1:question:0"], unit_rows([0, 1, 0]), [{"faq_id": 1, "view": "question"}])

    _ids, vectors, _metadatas = collection.fetch_all()

    assert collection.count() == 1
    np.testing.assert_allclose(vectors[0], [0, 1, 0], atol=1e-6)


def test_collection_upsert_more_than_one_batch(collection):
    count = 1001
    vectors = np.random.RandomState(0).rand(count, 4).astype(np.float32)

    collection.upsert(
        [f"{i}:question:0" for i in range(count)], vectors, [{"faq_id": i, "view": "question"} for i in range(count)]
    )

    assert collection.count() == count


def test_collection_delete_faqs_removes_every_view_of_those_faqs_only(collection):
    ids = ["1:question:0", "1:question:1", "1:answer:0", "2:question:0", "3:question:0"]
    metadatas = [{"faq_id": int(id_.split(":")[0]), "view": id_.split(":")[1]} for id_ in ids]
    collection.upsert(ids, unit_rows(*([1, 0, 0] for _ in ids)), metadatas)

    collection.delete_faqs([1, 3])
    collection.delete_faqs([])

    assert collection.fetch_all()[0] == ["2:question:0"]


def test_collection_drop_removes_it_and_is_idempotent(collection):
    collection.drop()
    collection.drop()

    assert collection.chroma.list_collections() == []
    with pytest.raises(NotFoundError):
        collection.fetch_all()


def test_vectors_are_precomputed_refuses_to_embed(collection):
    with pytest.raises(RuntimeError, match="must not embed"):
        VectorsArePrecomputed()(["住民票の写しを取りたい。"])

    stored = collection.chroma.get_collection(name=collection.name, embedding_function=VectorsArePrecomputed())
    with pytest.raises(RuntimeError, match="must not embed"):
        stored.add(ids=["1:question:0"], documents=["住民票の写しを取りたい。"])
    with pytest.raises(RuntimeError, match="must not embed"):
        stored.query(query_texts=["住民票"])
    assert collection.count() == 0


def test_store_views_and_load_views_round_trip_with_alternates(collection):
    faq_ids = [7, 8]
    question = DenseView(unit_rows([1, 0, 0], [1, 1, 0], [0, 0, 1]), np.asarray([0, 0, 1]))
    answer = DenseView(unit_rows([0, 1, 0], [0, 1, 1]), np.asarray([0, 1]))

    store_views(collection, faq_ids, {"e5-small:question": question, "e5-small:answer": answer})
    # FAQ 8 was withdrawn meanwhile: the snapshot only holds FAQ 7, at position 0.
    loaded = load_views(collection, "e5-small", {7: 0})

    assert sorted(collection.fetch_all()[0]) == sorted(
        ["7:question:0", "7:question:1", "8:question:0", "7:answer:0", "8:answer:0"]
    )
    assert set(loaded) == {"e5-small:question", "e5-small:answer"}
    assert loaded["e5-small:question"].rows.tolist() == [0, 0]
    np.testing.assert_allclose(
        sorted(loaded["e5-small:question"].vectors.tolist()), sorted(question.vectors[:2].tolist()), atol=1e-6
    )
    np.testing.assert_allclose(loaded["e5-small:answer"].vectors, answer.vectors[:1], atol=1e-6)


@pytest.mark.embedded_only
def test_client_is_persistent_in_chroma_path_and_cached():
    chroma = vectorstore.client()
    VectorCollection(chroma, "faq-g9-use-multilingual").create()

    assert vectorstore.client() is chroma
    assert settings.CHROMA_PATH.is_dir()
    assert any(settings.CHROMA_PATH.iterdir())
    assert [c.name for c in vectorstore.client(settings.CHROMA_PATH).list_collections()] == ["faq-g9-use-multilingual"]


class RecordingStore(vectorstore.ChromaStore):
    """The default chromadb store, noting which collections it was asked for."""

    asked: list[str] = []

    def collection(self, name: str) -> VectorCollection:
        RecordingStore.asked.append(name)
        return super().collection(name)


@pytest.mark.django_db
def test_the_vector_store_is_the_class_named_in_settings(town, settings) -> None:
    from faq.retrieval.index import index_rebuild, search

    settings.VECTOR_STORE = f"{__name__}.RecordingStore"
    RecordingStore.asked = []

    index_rebuild()
    found = search(town["R-001"].question)

    assert found.candidates[0].faq_id == town["R-001"].pk
    assert RecordingStore.asked, "the index was built and read without the configured store"
    assert all(name.startswith("faq-g") for name in RecordingStore.asked)
    assert set(RecordingStore.asked) <= set(vectorstore.vector_store().collection_names())
