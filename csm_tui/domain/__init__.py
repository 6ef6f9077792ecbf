"""The bank's vocabulary as pydantic models and value types. No I/O, and nothing of ours is imported here."""
