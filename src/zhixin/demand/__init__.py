"""The demand side: financing needs on a working-day clock, and the outcome ledger."""
