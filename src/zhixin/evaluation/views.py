"""Pages: evaluation runs, their distributions, and an enterprise's radar chart and advice."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhixin.accounts.permissions import Permission, Principal
from zhixin.catalog import service as catalogs
from zhixin.enterprises import service as enterprises
from zhixin.evaluation import overview, service, why
from zhixin.evaluation.schemas import ExplanationOut
from zhixin.kit import clock
from zhixin.web.charts import Axis, bar_svg, radar_svg
from zhixin.web.deps import DB, require
from zhixin.web.limits import Heavy
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.evaluation_read))]
Runner = Annotated[Principal, Depends(require(Permission.evaluation_run))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PER_PAGE = 50


def radar_for(ex: ExplanationOut, *, size: int = 300) -> str:
    """The 质量信誉雷达图 of one result: each dimension's points against the highest score the
    catalog lets that dimension reach (its axis maximum)."""
    maxima = catalogs.get(ex.catalog_name).catalog.dimension_maxima()
    axes = [
        Axis(d.name, d.points, maxima.get(d.code, 100), d.level_name if d.level else "")
        for d in ex.dimensions
    ]
    return radar_svg(axes, size=size, title=f"质量信誉雷达图（总分 {ex.total_score}）")


@router.get("/evaluation", response_class=HTMLResponse)
def runs_page(request: Request, db: DB, principal: Reader) -> Response:
    return render(
        request,
        "evaluation_runs.html",
        runs=service.list_runs(db, actor=principal, limit=100),
        catalogs=catalogs.list_catalogs(),
        today=clock.today().isoformat(),
    )


@router.post("/evaluation/runs")
def run_form(
    db: DB,
    principal: Runner,
    catalog: Annotated[str, Form(max_length=64)],
    as_of: Annotated[date, Form()],
) -> Response:
    run = overview.run_now(db, actor=principal, catalog_name=catalog, as_of=as_of)
    return RedirectResponse(f"/evaluation/runs/{run.id}", status_code=303)


@router.get("/evaluation/runs/{run_id}", response_class=HTMLResponse, dependencies=[Heavy])
def run_page(
    request: Request,
    run_id: int,
    db: DB,
    principal: Reader,
    page: Annotated[int, Query(ge=1)] = 1,
    listed: bool | None = None,
) -> Response:
    ov = overview.run_overview(db, actor=principal, run_id=run_id)
    results = service.run_results(
        db, actor=principal, run_id=run_id, page=page, per_page=PER_PAGE, listed=listed
    )
    names = enterprises.names_by_ids(
        db, actor=principal, ids=[r.enterprise_id for r in results.items]
    )
    charts = {
        "overall": bar_svg([(b.name, b.count) for b in ov.overall], title="总体等级分布"),
        "scores": bar_svg(ov.scores, title="总分分布", width=640),
        **{
            d.code: bar_svg(
                [(b.name, b.count) for b in d.bars], title=f"{d.name}等级分布", width=360
            )
            for d in ov.dimensions
        },
    }
    return render(
        request,
        "evaluation_run.html",
        ov=ov,
        charts=charts,
        results=results,
        names=names,
        listed=listed,
        pages=max(1, -(-results.total // PER_PAGE)),
    )


@router.get("/evaluation/runs/{run_id}/export.xlsx", dependencies=[Heavy])
def run_export(run_id: int, db: DB, principal: Reader) -> Response:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "run.xlsx"
        service.export_run(db, run_id=run_id, xlsx=path, actor=principal)
        data = path.read_bytes()
    return Response(
        data,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="evaluation-{run_id}.xlsx"'},
    )


@router.get(
    "/evaluation/runs/{run_id}/enterprises/{enterprise_id}",
    response_class=HTMLResponse,
    dependencies=[Heavy],
)
def result_page(
    request: Request, run_id: int, enterprise_id: int, db: DB, principal: Reader
) -> Response:
    ex = service.enterprise_result(db, actor=principal, run_id=run_id, enterprise_id=enterprise_id)
    ent = enterprises.get(db, actor=principal, enterprise_id=enterprise_id)
    return render(
        request,
        "evaluation_result.html",
        ex=ex,
        ent=ent,
        radar=radar_for(ex),
        run_id=run_id,
        why=why.why(catalogs.get(ex.catalog_name).catalog, ex),
        conclusion=why.conclusion_lines(ex),
    )


@router.get("/evaluation/runs/{run_id}/enterprises/{enterprise_id}/radar.svg")
def radar_file(run_id: int, enterprise_id: int, db: DB, principal: Reader) -> Response:
    ex = service.enterprise_result(
        db, actor=principal, run_id=run_id, enterprise_id=enterprise_id, with_records=False
    )
    return Response(
        radar_for(ex, size=420),
        media_type="image/svg+xml",
        headers={"Content-Disposition": f'attachment; filename="radar-{enterprise_id}.svg"'},
    )


@router.get("/evaluation/runs/{run_id}/enterprises/{enterprise_id}/radar.png", dependencies=[Heavy])
def radar_png(run_id: int, enterprise_id: int, db: DB, principal: Reader) -> Response:
    from zhixin.web.chart_png import radar_png as draw

    ex = service.enterprise_result(
        db, actor=principal, run_id=run_id, enterprise_id=enterprise_id, with_records=False
    )
    caps = {d.code: d.cap for d in catalogs.get(ex.catalog_name).catalog.dimensions}
    png = draw(
        [Axis(d.name, d.points, caps.get(d.code, 100)) for d in ex.dimensions],
        title=f"质量信誉雷达图 · 总分 {ex.total_score}",
    )
    return Response(
        png,
        media_type="image/png",
        headers={"Content-Disposition": f'attachment; filename="radar-{enterprise_id}.png"'},
    )


@router.get("/enterprises/{enterprise_id}/evaluation", response_class=HTMLResponse)
def latest_for_enterprise(
    request: Request, enterprise_id: int, db: DB, principal: Reader
) -> Response:
    ent = enterprises.get(db, actor=principal, enterprise_id=enterprise_id)
    ex = overview.latest_result(
        db, actor=principal, enterprise_id=enterprise_id, with_records=False
    )
    if ex is None or ex.run_id is None:
        return render(request, "error.html", status_code=404, message=f"{ent.name} 尚无评价结果")
    return RedirectResponse(
        f"/evaluation/runs/{ex.run_id}/enterprises/{enterprise_id}", status_code=303
    )
