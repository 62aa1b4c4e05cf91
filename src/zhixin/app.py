"""The composition root: the FastAPI application, built from the settings and every domain's
routers (:data:`ROUTERS`).

Arrows run one way: this module imports the domains and the web layer (``zhixin.web``: request
dependencies, templating, limits); the domains import ``zhixin.web`` for those and never this
module; ``zhixin.web`` imports no domain but accounts and audit (import-linter contract "the
web layer knows no domain"). Settings are checked here and the engine is built in the lifespan.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import anyio.to_thread
from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker

import zhixin.models  # noqa: F401 - every mapper configured before the first request
from zhixin import __version__
from zhixin.accounts import endpoints as accounts_api
from zhixin.accounts import views as accounts_views
from zhixin.applications import endpoints as applications_api
from zhixin.applications import views as applications_views
from zhixin.audit import endpoints as audit_api
from zhixin.audit import keys as audit_keys
from zhixin.audit import views as audit_views
from zhixin.catalog import service as catalogs
from zhixin.config import Settings, get_settings
from zhixin.consent import endpoints as consent_api
from zhixin.consent import views as consent_views
from zhixin.demand import endpoints as demand_api
from zhixin.demand import views as demand_views
from zhixin.disputes import endpoints as disputes_api
from zhixin.disputes import views as disputes_views
from zhixin.enterprises import endpoints as enterprises_api
from zhixin.enterprises import views as enterprises_views
from zhixin.evaluation import endpoints as evaluation_api
from zhixin.evaluation import views as evaluation_views
from zhixin.evidence import endpoints as evidence_api
from zhixin.evidence import views as evidence_views
from zhixin.home import views as home_views
from zhixin.intake import endpoints as intake_api
from zhixin.intake import views as intake_views
from zhixin.kit.db import make_engine, make_sessionmaker, utcnow
from zhixin.linkage import endpoints as linkage_api
from zhixin.linkage import views as linkage_views
from zhixin.loans import endpoints as loans_api
from zhixin.loans import servicing_endpoints as loans_servicing_api
from zhixin.loans import views as loans_views
from zhixin.lpr import endpoints as lpr_api
from zhixin.lpr import views as lpr_views
from zhixin.portrait import endpoints as portrait_api
from zhixin.portrait import views as portrait_views
from zhixin.products import endpoints as products_api
from zhixin.products import service as products_service
from zhixin.products import views as products_views
from zhixin.quotes import endpoints as quotes_api
from zhixin.quotes import views as quotes_views
from zhixin.records import endpoints as records_api
from zhixin.records import views as records_views
from zhixin.reports import endpoints as reports_api
from zhixin.reports import views as reports_views
from zhixin.risk import endpoints as risk_api
from zhixin.risk import service as risk_service
from zhixin.risk import views as risk_views
from zhixin.support import endpoints as support_api
from zhixin.support import views as support_views
from zhixin.visits import endpoints as visits_api
from zhixin.visits import forms as visits_forms
from zhixin.visits import views as visits_views
from zhixin.web import failures, middleware, openapi
from zhixin.web.templating import STATIC, TEMPLATES
from zhixin.webhooks import endpoints as webhooks_api
from zhixin.webhooks import views as webhooks_views
from zhixin.whitelist import endpoints as whitelist_api
from zhixin.whitelist import views as whitelist_views
from zhixin.workdays import endpoints as workdays_api
from zhixin.workdays import views as workdays_views


def create_app(
    settings: Settings | None = None, *, session_factory: sessionmaker[Session] | None = None
) -> FastAPI:
    settings = settings or get_settings()
    settings.check_startable()
    audit_keys.configure(audit_keys.AuditKeys.from_settings(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
        engine = None
        if session_factory is None:
            # a few connections beyond the request gate for work that opens its own session
            # (an import started from a page, the audit of a refusal)
            engine = make_engine(
                settings.database_url, pool_size=settings.db_connections, max_overflow=5
            )
            app.state.sessionmaker = make_sessionmaker(engine)
        # the shipped products parsed before the first request, not during it (≈ 0.45 s)
        await anyio.to_thread.run_sync(products_service.warm)
        yield
        if engine is not None:
            engine.dispose()

    app = FastAPI(
        title="质信 zhixin API",
        version=__version__,
        description="质量融资增信平台 API。银行系统使用 `Authorization: Bearer <令牌>` 调用。",
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.clock = utcnow  # web.deps.now_of; tests put a clock of their own here
    app.state.db_gate = asyncio.Semaphore(settings.db_connections)
    app.state.db_closer = anyio.CapacityLimiter(settings.db_connections)
    if session_factory is not None:
        app.state.sessionmaker = session_factory

    middleware.install(app, settings)
    failures.install(app)
    # names the web layer cannot know (it imports no domain): installed here
    TEMPLATES.env.filters["catalog"] = catalogs.catalog_title
    TEMPLATES.env.filters["model"] = risk_service.model_name
    TEMPLATES.env.filters["product"] = products_service.product_title
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    _include_routers(app)
    openapi.install(app, settings)  # after the routers: documents each route's error codes
    return app


API = "/api/v1"

# Every router of the app with its prefix, in the order routes are matched: the JSON API, then
# the pages. A new domain appends its own lines (and declares its routes in the route matrix).
ROUTERS: list[tuple[APIRouter, str]] = [
    (accounts_api.router, API),
    (audit_api.router, API),
    (enterprises_api.router, API),
    (records_api.router, API),
    (intake_api.router, API),
    (evaluation_api.router, API),
    (whitelist_api.router, API),
    (consent_api.router, API),
    (portrait_api.router, API),
    (webhooks_api.router, API),
    (workdays_api.router, API),
    (lpr_api.router, API),
    (products_api.router, API),
    (quotes_api.router, API),
    (applications_api.router, API),
    (risk_api.router, API),
    (loans_api.router, API),
    (loans_servicing_api.router, API),
    (disputes_api.router, API),
    (demand_api.router, API),
    (support_api.router, API),
    (support_api.policies_router, API),
    (linkage_api.router, API),
    (visits_api.router, API),
    (evidence_api.router, API),
    (reports_api.router, API),
    (home_views.router, ""),
    (accounts_views.router, ""),
    (audit_views.router, ""),
    (enterprises_views.router, ""),
    (records_views.router, ""),
    (intake_views.router, ""),
    (evaluation_views.router, ""),
    (whitelist_views.router, ""),
    (consent_views.router, ""),
    (portrait_views.router, ""),
    (webhooks_views.router, ""),
    (workdays_views.router, ""),
    (lpr_views.router, ""),
    (products_views.router, ""),
    (quotes_views.router, ""),
    (applications_views.router, ""),
    (risk_views.router, ""),
    (loans_views.router, ""),
    (disputes_views.router, ""),
    (demand_views.router, ""),
    (reports_views.router, ""),
    (support_views.router, ""),
    (linkage_views.router, ""),
    (evidence_views.router, ""),
    (visits_forms.router, ""),
    (visits_views.router, ""),
]


def _include_routers(app: FastAPI) -> None:
    for router, prefix in ROUTERS:
        app.include_router(router, prefix=prefix)
