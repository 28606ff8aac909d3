"""Cases in the console: ingest (verify, refuse or quarantine, store encrypted, index, link, alert), read
back, who may see which, deletion with a reason, and the retention period."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select

from haven.console import audit
from haven.console.crypto import ConsoleKey
from haven.console.db import alerts, case_data, cases, deletions, get_meta, identifiers, quarantine, set_meta
from haven.console.identifiers import link_id
from haven.console.links import links_for_tokens
from haven.console.reader import read_package
from haven.console.summary import summarise
from haven.console.users import User
from haven.core.errors import BadAnswers, HavenError
from haven.report.verify import verify_package


class PackageRefused(HavenError):
    """The package failed verification; nothing was stored (except a quarantined copy when asked)."""

    exit_code = 1

    def __init__(self, problems: list[str], quarantined: bool) -> None:
        super().__init__("The package failed verification and was not stored: " + "; ".join(problems))
        self.problems = problems
        self.quarantined = quarantined


@dataclass
class IngestResult:
    case_id: str
    links: list[dict[str, Any]]
    already: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "verified": True, "links": self.links,
                "already_ingested": self.already}


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _enc_json(key: ConsoleKey, value: Any, aad: str) -> bytes:
    return key.encrypt(json.dumps(value, ensure_ascii=False, default=str).encode(), aad, compress=True)


def ingest(engine: Engine, key: ConsoleKey, path: str | Path, *, actor: str, unit: str = "default",
           keep_in_quarantine: bool = False, age: int | None = None, minor: bool | None = None,
           filename: str | None = None) -> IngestResult:
    path = Path(path)
    name = filename or path.name
    result = verify_package(path)
    if not result.ok:
        if keep_in_quarantine:
            with engine.begin() as conn:
                conn.execute(insert(quarantine).values(
                    received_at=datetime.now(UTC), received_by=actor, filename=name[:300],
                    reasons=result.problems,
                    package_enc=key.encrypt(path.read_bytes(), f"quarantine:{name}")))
                audit.record(engine, key, actor, "ingest-refused", name, conn=conn,
                             reasons=result.problems, quarantined=True)
        else:
            audit.record(engine, key, actor, "ingest-refused", name, reasons=result.problems,
                         quarantined=False)
        raise PackageRefused(result.problems, keep_in_quarantine)
    sha = _sha(path)
    with engine.connect() as conn:
        existing = conn.execute(select(cases.c.id).where(cases.c.package_sha256 == sha)).scalar()
    if existing is not None:
        with engine.connect() as conn:
            tokens = [r[0] for r in conn.execute(select(identifiers.c.token)
                                                 .where(identifiers.c.case_id == existing))]
        return IngestResult(existing, _links(engine, key, existing, tokens), already=True)
    pkg = read_package(path)
    case_id = "HC-" + secrets.token_hex(5).upper()
    summary = summarise(pkg, sha, age=age, minor=minor)
    ids: dict[str, Any] = {}
    for row in pkg.indicators:
        lid = link_id(row["kind"], row["normalized"], row["valid"], row.get("side"))
        if lid is not None:
            ids.setdefault(lid.identifier, lid)
    summary["identifiers"] = len(ids)
    rows = [{"case_id": case_id, "token": key.token(i.identifier), "kind": i.kind, "weight": i.weight,
             "value_enc": key.encrypt_text(i.identifier, f"id:{case_id}")} for i in ids.values()]
    data = {"package": key.encrypt(path.read_bytes(), f"package:{case_id}"),
            "manifest": _enc_json(key, pkg.manifest, f"manifest:{case_id}"),
            "messages": _enc_json(key, pkg.messages, f"messages:{case_id}"),
            "indicators": _enc_json(key, pkg.indicators, f"indicators:{case_id}"),
            "moments": _enc_json(key, pkg.moments, f"moments:{case_id}"),
            "continuity": key.encrypt(pkg.continuity.encode(), f"continuity:{case_id}", compress=True)}
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(insert(cases).values(id=case_id, unit=unit, ingested_at=now, ingested_by=actor,
                                          package_sha256=sha,
                                          summary_enc=_enc_json(key, summary, f"summary:{case_id}")))
        conn.execute(insert(case_data), [{"case_id": case_id, "kind": k, "data_enc": v}
                                         for k, v in data.items()])
        if rows:
            conn.execute(insert(identifiers), rows)
        links = _links(engine, key, case_id, [r["token"] for r in rows], conn)
        if links:
            conn.execute(insert(alerts).values(case_id=case_id, created_at=now,
                                               detail_enc=_enc_json(key, links, f"alert:{case_id}")))
        audit.record(engine, key, actor, "ingest", case_id, conn=conn, package_sha256=sha, unit=unit,
                     messages=len(pkg.messages), identifiers=len(rows), linked_cases=sorted(
                         {c for link in links for c in link["cases"]}))
    return IngestResult(case_id, links)


def _links(engine: Engine, key: ConsoleKey, case_id: str, tokens: list[str],
           conn: Connection | None = None) -> list[dict[str, Any]]:
    found = links_for_tokens(conn or engine, tokens, exclude_case=case_id)
    if not found:
        return []
    names = identifier_names(conn or engine, key, case_id)
    out = [{"identifier": names.get(t, t), "cases": sorted(c)} for t, c in found.items()]
    return sorted(out, key=lambda link: link["identifier"])


def identifier_names(db: Engine | Connection, key: ConsoleKey, case_id: str) -> dict[str, str]:
    """token -> identifier for one case (decrypted)."""
    q = select(identifiers.c.token, identifiers.c.value_enc).where(identifiers.c.case_id == case_id)
    if isinstance(db, Engine):
        with db.connect() as conn:
            rows = conn.execute(q).all()
    else:
        rows = db.execute(q).all()
    return {t: key.decrypt_text(v, f"id:{case_id}") for t, v in rows}


# -- reading and access ------------------------------------------------------------------------------
def may_see(user: User, unit: str) -> bool:
    return user.role != "admin" and (user.sees_all_units or user.unit == unit)


def list_cases(engine: Engine, key: ConsoleKey, user: User | None = None) -> list[dict[str, Any]]:
    q = select(cases).order_by(cases.c.ingested_at.desc())
    if user is not None and not user.sees_all_units:
        q = q.where(cases.c.unit == user.unit)
    with engine.connect() as conn:
        rows = conn.execute(q).mappings().all()
    return [{"id": r["id"], "unit": r["unit"], "ingested_at": r["ingested_at"],
             "ingested_by": r["ingested_by"],
             **json.loads(key.decrypt(r["summary_enc"], f"summary:{r['id']}"))} for r in rows]


def get_case(engine: Engine, key: ConsoleKey, case_id: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(cases).where(cases.c.id == case_id)).mappings().first()
    if row is None:
        return None
    return {"id": row["id"], "unit": row["unit"], "ingested_at": row["ingested_at"],
            "ingested_by": row["ingested_by"],
            "summary": json.loads(key.decrypt(row["summary_enc"], f"summary:{case_id}"))}


def case_part(engine: Engine, key: ConsoleKey, case_id: str, kind: str) -> Any:
    with engine.connect() as conn:
        blob = conn.execute(select(case_data.c.data_enc).where(case_data.c.case_id == case_id,
                                                               case_data.c.kind == kind)).scalar()
    if blob is None:
        return None
    raw = key.decrypt(blob, f"{kind}:{case_id}")
    if kind == "package":
        return raw
    if kind == "continuity":
        return raw.decode("utf-8", "replace")
    return json.loads(raw)


def alerts_for(engine: Engine, key: ConsoleKey, user: User, limit: int = 50) -> list[dict[str, Any]]:
    q = (select(alerts, cases.c.unit).join(cases, cases.c.id == alerts.c.case_id)
         .order_by(alerts.c.id.desc()).limit(limit))
    if not user.sees_all_units:
        q = q.where(cases.c.unit == user.unit)
    with engine.connect() as conn:
        rows = conn.execute(q).mappings().all()
    return [{"case_id": r["case_id"], "created_at": r["created_at"],
             "links": json.loads(key.decrypt(r["detail_enc"], f"alert:{r['case_id']}"))} for r in rows]


# -- deletion and retention ---------------------------------------------------------------------------
def delete_case(engine: Engine, key: ConsoleKey, case_id: str, *, actor: str, reason: str) -> None:
    reason = reason.strip()
    if not reason:
        raise BadAnswers("Give the reason for deleting the case (it is kept in the audit log).", "reason")
    with engine.begin() as conn:
        if conn.execute(select(cases.c.id).where(cases.c.id == case_id)).scalar() is None:
            raise BadAnswers(f"There is no case {case_id}.", "case")
        for table in (identifiers, case_data, alerts):
            conn.execute(delete(table).where(table.c.case_id == case_id))
        conn.execute(delete(cases).where(cases.c.id == case_id))
        conn.execute(insert(deletions).values(case_id=case_id, deleted_at=datetime.now(UTC),
                                              deleted_by=actor, reason=reason[:2000]))
        audit.record(engine, key, actor, "delete", case_id, conn=conn, reason=reason[:2000])


def retention_days(engine: Engine) -> int | None:
    value = get_meta(engine, "retention_days")
    return int(value) if value and value != "0" else None


def set_retention(engine: Engine, key: ConsoleKey, days: int | None, actor: str) -> None:
    if days is not None and days < 1:
        raise BadAnswers("A retention period is at least one day (or none).", "days")
    set_meta(engine, "retention_days", str(days or 0))
    audit.record(engine, key, actor, "retention-set", "", days=days)


def purge_expired(engine: Engine, key: ConsoleKey, actor: str = "retention",
                  now: datetime | None = None) -> list[str]:
    days = retention_days(engine)
    if days is None:
        return []
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    with engine.connect() as conn:
        old = [r[0] for r in conn.execute(select(cases.c.id, cases.c.ingested_at))
               if (r[1] if r[1].tzinfo else r[1].replace(tzinfo=UTC)) < cutoff]
    for case_id in old:
        delete_case(engine, key, case_id, actor=actor, reason=f"retention period of {days} days ended")
    return old
