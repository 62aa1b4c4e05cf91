"""The one register of the report's sections, in their order: a report is this list; the XLSX
(one sheet each), the pages, the CLI and its JSON walk it. To add a section, write its builder
(a function of :class:`~zhixin.reports.sections.Facts` returning a ``Table``) and append it."""

from __future__ import annotations

from zhixin.reports.demand import demand
from zhixin.reports.lapses import lapses
from zhixin.reports.linkage import linkage
from zhixin.reports.sections import (
    Section,
    areas,
    banks,
    consultations,
    conversion,
    loans_by_class,
    loans_by_district,
    loans_by_industry,
    loans_by_product,
    npl,
    ranking,
    whitelist,
)
from zhixin.reports.support import support
from zhixin.reports.uplift import uplift
from zhixin.reports.visits import matching, visit_areas, visits

SECTIONS: list[Section] = [
    Section("banks", banks),
    Section("ranking", ranking),
    Section("whitelist", whitelist),
    Section("conversion", conversion),
    Section("loans_by_product", loans_by_product),
    Section("loans_by_class", loans_by_class),
    Section("loans_by_district", loans_by_district),
    Section("loans_by_industry", loans_by_industry),
    Section("npl", npl),
    Section("consultations", consultations),
    Section("support", support),
    Section("demand", demand),
    Section("linkage", linkage),
    Section("visits", visits),
    Section("matching", matching),
    Section("visit_areas", visit_areas),
    Section("lapses", lapses),
    Section("areas", areas),
    Section("uplift", uplift),
]
