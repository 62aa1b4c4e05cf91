"""贷后 — the quality-loan book: contracts, credit lines, drawdowns, entrusted payment."""
