"""Registers the loan book's commands (``zhixin loans …``, defined in zhixin.loans.cli)."""

from __future__ import annotations

from zhixin.cli._app import app
from zhixin.loans.cli import app as loans_app

app.add_typer(loans_app, name="loans")
