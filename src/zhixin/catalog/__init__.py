"""Indicator catalogs (指标目录): schema, bundled data, loading and versions."""
