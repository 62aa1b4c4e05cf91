"""The ``zhixin`` command: thin commands over services, for operators and schedulers.

Exit codes (``_app.EXIT_CODES``, stated by ``zhixin --help``): 0 success; 1 refused or failed
(one Chinese line on stderr); 2 usage error; 3 an import finished but some rows were rejected
(see its report); 4 an alert (overdue applications, model drift); 130 interrupted. ``_app.run``
turns every error into that line — an unexpected one also names the log file of its details.

The commands live in the modules of this package by subject; importing the package registers
them all on :data:`app`.
"""

from __future__ import annotations

from zhixin.cli import (  # noqa: F401 - registers commands
    applications,
    audit_log,
    data,
    demand,
    evaluation,
    evidence,
    linkage,
    loans,
    loans_servicing,
    lpr,
    models,
    operators,
    products,
    quotes,
    reports,
    serving,
    support,
    visits,
    whitelist,
    workdays,
    worker,
)
from zhixin.cli._app import app, main

__all__ = ["app", "main"]
