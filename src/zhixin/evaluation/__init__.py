"""Evaluation runs: stored results, explanations, API."""
