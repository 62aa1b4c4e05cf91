"""The nightly batch's SQL building blocks: the tables by name, exact integer arithmetic in fen
(amounts as whole fen, rates and markups as integers, a half-up quotient that cannot overflow
64 bits) and the days between two dates per dialect. Re-exported by ``loans.batch``, whose
docstring says why the arithmetic is integer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, Table, cast, func, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FunctionElement

from zhixin.kit.db import Base
from zhixin.loans import models as _book  # noqa: F401 - the book's tables in the metadata

RATE_SCALE = 1_000_000  # rates are Numeric(9, 6), % p.a.
MARKUP_SCALE = 10_000  # the markup is Numeric(9, 4), a fraction (0.5 = +50 %)
DAILY = 100 * 360  # % p.a. → per day (ACT/360)


def _table(name: str) -> Table:
    table = Base.metadata.tables[name]
    return table


# ------------------------------------------------------------------------- integer arithmetic


def _int(value: int) -> ColumnElement[int]:
    return literal_column(str(value), BigInteger)


def fen_of(column: Any) -> ColumnElement[int]:
    """An amount column in whole fen (exact: the column holds at most two decimals)."""
    return cast(func.round(column * 100), BigInteger)


def units_of(column: Any, scale: int) -> ColumnElement[int]:
    """A rate (× 10⁶: ``Numeric(9, 6)``) or the markup (× 10⁴: ``Numeric(9, 4)``) as an
    integer, exact."""
    return cast(func.round(column * scale), BigInteger)


def half_up_quotient(base: Any, factor: Any, den: int, split: int = 10_000) -> ColumnElement[int]:
    """⌊(base × factor + den/2) / den⌋ for non-negative integers, without a 64-bit overflow:
    base = h·split + l, and h·factor is reduced modulo den before it is scaled back up."""
    if den % 2:
        raise ValueError("den must be even")
    h = base // _int(split)
    low = base % _int(split)
    hr = h * factor
    q1 = hr // _int(den)
    r1 = hr % _int(den)
    top = r1 * _int(split) + low * factor + _int(den // 2)
    quotient: ColumnElement[int] = q1 * _int(split) + top // _int(den)
    return quotient


def _money(fen_expr: Any) -> ColumnElement[Any]:
    money: ColumnElement[Any] = fen_expr / literal_column("100.0")
    return money


class days_between(FunctionElement[int]):  # noqa: N801 - a SQL function
    """later − earlier in days, for two dates."""

    type = Integer()
    inherit_cache = True


@compiles(days_between)
def _days_default(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


@compiles(days_between, "sqlite")
def _days_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"CAST(julianday({compiler.process(later, **kw)}) - "
        f"julianday({compiler.process(earlier, **kw)}) AS INTEGER)"
    )


@compiles(days_between, "mysql")
@compiles(days_between, "mariadb")
def _days_mysql(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"DATEDIFF({compiler.process(later, **kw)}, {compiler.process(earlier, **kw)})"
