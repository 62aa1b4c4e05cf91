"""Shipped data of the LPR table (lpr_history.csv)."""
