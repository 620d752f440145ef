"""Hybrid FAQ retrieval: Japanese BM25 + multilingual dense encoders + a learned ranker."""
