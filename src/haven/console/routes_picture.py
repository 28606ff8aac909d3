"""The picture: clusters of linked cases (ranked), a cluster's graph (server-side SVG), cluster exports,
and statistics (SVG charts + CSV). An officer sees only their unit's cases; analysts and supervisors all."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from haven.console import audit, exchange, stats, store
from haven.console.app import SVG_CSP, render
from haven.console.auth import CASE_ROLES, Ctx, NeedRole, need
from haven.console.graph import cluster_svg
from haven.console.links import cluster_of, clusters

router = APIRouter()
PICTURE_ROLES = ("analyst", "supervisor")


def _s(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.settings


def _visible(request: Request, ctx: Ctx) -> set[str] | None:
    if ctx.user.role in PICTURE_ROLES:
        return None
    s = _s(request)
    return {c["id"] for c in store.list_cases(s.engine, s.key, ctx.user)}


@router.get("/links")
def links(request: Request, ctx: Ctx = Depends(need(*CASE_ROLES))) -> Response:
    s = _s(request)
    found = clusters(s.engine, s.key, _visible(request, ctx))
    audit.record(s.engine, s.key, ctx.user.name, "view", "links", clusters=len(found))
    return render(request, "links.html", clusters=found)


def _cluster(request: Request, ctx: Ctx, case_id: str) -> dict:  # type: ignore[type-arg]
    s = _s(request)
    visible = _visible(request, ctx)
    if visible is not None and case_id not in visible:
        raise NeedRole("There is no such case in the cases you may see.")
    found = cluster_of(s.engine, s.key, case_id, visible)
    if found is None:
        raise NeedRole("This case is not linked to any other case you may see.")
    return found


@router.get("/graph/{case_id}")
def graph(request: Request, case_id: str, ctx: Ctx = Depends(need(*CASE_ROLES))) -> Response:
    s = _s(request)
    found = _cluster(request, ctx, case_id)
    audit.record(s.engine, s.key, ctx.user.name, "view", case_id, part="graph", cases=found["cases"])
    return render(request, "graph.html", cluster=found, svg=cluster_svg(found))


@router.get("/clusters/{case_id}/stix.json")
def cluster_stix(request: Request, case_id: str, ctx: Ctx = Depends(need(*PICTURE_ROLES))) -> Response:
    return _export(request, ctx, case_id, "stix")


@router.get("/clusters/{case_id}/misp.json")
def cluster_misp(request: Request, case_id: str, ctx: Ctx = Depends(need(*PICTURE_ROLES))) -> Response:
    return _export(request, ctx, case_id, "misp")


def _export(request: Request, ctx: Ctx, case_id: str, fmt: str) -> Response:
    import json

    s = _s(request)
    found = _cluster(request, ctx, case_id)
    data = exchange.cluster_data(found)
    out = exchange.stix(data) if fmt == "stix" else exchange.misp(data)
    audit.record(s.engine, s.key, ctx.user.name, "export", f"cluster {case_id}", format=fmt,
                 cases=found["cases"])
    return Response(json.dumps(out, indent=2).encode(), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="cluster-{case_id}-{fmt}.json"'})


def _table(request: Request, ctx: Ctx) -> dict[str, list[tuple[str, object]]]:
    s = _s(request)
    return stats.compute(store.list_cases(s.engine, s.key, ctx.user))


@router.get("/stats")
def stats_page(request: Request, ctx: Ctx = Depends(need(*PICTURE_ROLES))) -> Response:
    s = _s(request)
    table = _table(request, ctx)
    audit.record(s.engine, s.key, ctx.user.name, "view", "statistics")
    return render(request, "stats.html", table=table, measures=stats.MEASURES)


@router.get("/stats/{measure}.svg")
def stats_chart(request: Request, measure: str, ctx: Ctx = Depends(need(*PICTURE_ROLES))) -> Response:
    if measure not in stats.MEASURES:
        raise NeedRole("There is no such chart.")
    svg = stats.chart_svg(measure, _table(request, ctx)[measure])
    return Response(svg, media_type="image/svg+xml", headers={"Content-Security-Policy": SVG_CSP})


@router.get("/stats.csv")
def stats_csv(request: Request, ctx: Ctx = Depends(need(*PICTURE_ROLES))) -> Response:
    s = _s(request)
    audit.record(s.engine, s.key, ctx.user.name, "export", "statistics", format="csv")
    return Response(stats.to_csv(_table(request, ctx)), media_type="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="statistics.csv"'})
