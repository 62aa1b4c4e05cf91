"""千企万户大走访: visit campaigns, street + bank + property teams, visit records with their
follow-up clock, and 银企对接会 (matching events) with the applications they led to."""
