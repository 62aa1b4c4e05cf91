"""Jinja2 environment shared by every page."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from zhixin.accounts.permissions import Permission
from zhixin.accounts.rules import ROLE_LABELS
from zhixin.audit.rules import action_label
from zhixin.kit import clock
from zhixin.kit.divisions import industry_name, region_name
from zhixin.kit.text import mask
from zhixin.web import forms

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
STATIC = Path(__file__).parent / "static"  # served at /static by the app (zhixin.app)


def _dt(value: datetime | None) -> str:
    return value.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else ""


def _d(value: date | None) -> str:
    return value.isoformat() if value else ""


def _yuan(value: Decimal | None) -> str:
    if value is None:
        return ""
    if abs(value) >= Decimal(10000):
        return f"{(value / Decimal(10000)).quantize(Decimal('0.01')):,} 万元"
    return f"{value:,.2f} 元"


def _pct(value: Decimal | float | None) -> str:
    """A rate in percent as people write it: 5.10%, 4.125% (two decimals at least, more only
    where the rate has them; the exact value is kept by the API)."""
    if value is None:
        return ""
    d = Decimal(str(value))
    shown = d.quantize(Decimal("0.01")) if d == d.quantize(Decimal("0.01")) else d.normalize()
    return f"{shown}%"


def _wan(value: Decimal | None) -> Markup:
    """An amount in 万元, the exact 元 on hover (title): amounts read the same on every page."""
    if value is None:
        return Markup("")
    wan = (value / Decimal(10000)).quantize(Decimal("0.01"))
    return Markup('<span class="money" title="{} 元">{} 万元</span>').format(
        f"{value:,.2f}", f"{wan:,}"
    )


# 企业规模 in the order people read them (大/中/小/微)
SIZE_NAMES = {"大": "大型", "中": "中型", "小": "小型", "微": "微型"}
_ROMAN = {"I": "Ⅰ", "II": "Ⅱ", "III": "Ⅲ", "IV": "Ⅳ", "V": "Ⅴ"}


def _size(value: str | None) -> str:
    return SIZE_NAMES.get(value or "", value or "")


def _grade(value: str | None) -> str:
    """A level code as the catalogs name theirs (``III`` → Ⅲ类); other codes as they are."""
    if not value:
        return ""
    return f"{_ROMAN[value]}类" if value in _ROMAN else value


TEMPLATES.env.filters.update(
    dt=_dt,
    d=_d,
    yuan=_yuan,
    wan=_wan,
    pct=_pct,
    mask=mask,
    region=region_name,
    industry=industry_name,
    size=_size,
    grade=_grade,
    action=action_label,
)
TEMPLATES.env.globals.update(ROLE_LABELS=ROLE_LABELS, Permission=Permission)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    principal = getattr(request.state, "principal", None)
    context.setdefault("principal", principal)
    context.setdefault("csrf_token", getattr(request.state, "csrf_token", ""))
    context.setdefault("demo", request.app.state.settings.is_demo)
    drawn = TEMPLATES.TemplateResponse(request, name, context, status_code=status_code)
    failure = forms.pending(request)
    if failure is None:
        return drawn
    # a form of this page failed a moment ago: the page again, the form refilled (web.forms)
    html = bytes(drawn.body).decode()
    response = HTMLResponse(forms.refill(html, failure), status_code=422)
    forms.forget(response)
    return response
