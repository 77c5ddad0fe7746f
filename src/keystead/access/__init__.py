"""The path every guarded request takes: authenticate → authorize → rate limit."""
