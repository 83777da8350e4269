"""Foundations every stage shares: the model, ids, paths, YAML and atomic writes, locks."""
