"""Per-challenge full-text search of ideas on Whoosh (analysers, index management, queries)."""
