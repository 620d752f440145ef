"""Optional LLM replies: an OpenAI-compatible endpoint rewrites the FAQ snippets that passed the gate.

Configured by LLM_BASE_URL / LLM_API_KEY / LLM_MODEL; without them (or with
staff's switch off) answers are the FAQ's own text. Every reply is checked
before a resident sees it; any failure gives the FAQ's own text instead.
"""
