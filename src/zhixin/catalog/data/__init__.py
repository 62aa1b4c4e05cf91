"""Bundled catalogs (YAML) and the published JSON Schema."""
