"""Shipped product configurations (YAML) and the published JSON Schema."""
