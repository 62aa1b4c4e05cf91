"""Imports every model module so that ``metadata`` knows all tables (Alembic, tests)."""

from __future__ import annotations

from zhixin.accounts import models as accounts_models
from zhixin.applications import models as applications_models
from zhixin.audit import models as audit_models
from zhixin.consent import models as consent_models
from zhixin.demand import models as demand_models
from zhixin.disputes import models as disputes_models
from zhixin.enterprises import models as enterprises_models
from zhixin.evaluation import models as evaluation_models
from zhixin.evidence import models as evidence_models
from zhixin.intake import models as intake_models
from zhixin.kit.db import Base
from zhixin.linkage import models as linkage_models
from zhixin.loans import models as loans_models
from zhixin.loans import servicing_models as loans_servicing_models
from zhixin.lpr import models as lpr_models
from zhixin.products import models as products_models
from zhixin.quotes import models as quotes_models
from zhixin.records import models as records_models
from zhixin.reports import models as reports_models
from zhixin.risk import models as risk_models
from zhixin.support import models as support_models
from zhixin.visits import models as visits_models
from zhixin.webhooks import models as webhooks_models
from zhixin.whitelist import models as whitelist_models
from zhixin.workdays import models as workdays_models

metadata = Base.metadata

__all__ = [
    "accounts_models",
    "applications_models",
    "audit_models",
    "consent_models",
    "demand_models",
    "disputes_models",
    "enterprises_models",
    "evaluation_models",
    "evidence_models",
    "intake_models",
    "linkage_models",
    "loans_models",
    "loans_servicing_models",
    "lpr_models",
    "metadata",
    "products_models",
    "quotes_models",
    "records_models",
    "reports_models",
    "risk_models",
    "support_models",
    "visits_models",
    "webhooks_models",
    "whitelist_models",
    "workdays_models",
]
