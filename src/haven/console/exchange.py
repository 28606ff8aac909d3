"""A case or a cluster out to intelligence systems: STIX 2.1 bundle and MISP event, made by the report's
own exporters (``haven.report.stix.build_bundle``, ``haven.report.misp.build_event``) from a
``ReportData`` holding the case's (or cluster's) offender details."""

from __future__ import annotations

from typing import Any

from haven.console.identifiers import link_id
from haven.core.models import Case, Item
from haven.report.data import ReportData


def _data(case_id: str, reference: str | None, aggregated: list[dict[str, Any]],
          items: list[Item]) -> ReportData:
    case = Case(id=case_id, reference=reference)
    return ReportData(case=case, tool_version="", items=items, messages=[], indicators=[],
                      aggregated=aggregated, flags=[], flag_summary={}, key_moments=[], ledger=[])


def _items(manifest: dict[str, Any]) -> list[Item]:
    out = []
    for row in manifest.get("items") or []:
        try:
            out.append(Item.model_validate({k: v for k, v in row.items() if k in Item.model_fields}))
        except ValueError:
            continue
    return out


def case_data(case_id: str, summary: dict[str, Any], manifest: dict[str, Any],
              indicators: list[dict[str, Any]]) -> ReportData:
    rows = [dict(r) for r in indicators
            if link_id(r["kind"], r["normalized"], r.get("valid", True), r.get("side")) is not None
            or r["kind"] in ("amount", "deadline")]
    return _data(case_id, summary.get("reference") or case_id, rows, _items(manifest))


def cluster_data(cluster: dict[str, Any]) -> ReportData:
    rows = []
    for ident in cluster["identifiers"]:
        kind = ident["kind"]
        value = ident["identifier"][len(kind) + 1:]
        rows.append({"kind": kind, "normalized": value, "value": value, "count": len(ident["cases"]),
                     "valid": True, "first_seen": None, "last_seen": None, "conversations": []})
    ref = f"cluster {cluster['id']} ({len(cluster['cases'])} cases: {', '.join(cluster['cases'])})"
    return _data(f"cluster-{cluster['id']}", ref, rows, [])


def stix(data: ReportData) -> dict[str, Any]:
    from haven.report.stix import build_bundle

    return build_bundle(data)


def misp(data: ReportData) -> dict[str, Any]:
    from haven.report.misp import build_event

    return build_event(data)
