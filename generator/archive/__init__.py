"""`content/` into the model: loading, the parse cache, notes, topics and listings."""
