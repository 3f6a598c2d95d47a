"""Test helpers shared across test areas (tiny models, a local OpenAI-compatible server)."""
