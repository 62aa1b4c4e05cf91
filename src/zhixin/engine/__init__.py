"""The columnar evaluation engine: tables in, tables out (Ibis on DuckDB or Spark)."""
