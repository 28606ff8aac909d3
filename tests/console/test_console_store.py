"""Ingest, linking, encryption at rest, audit log and retention, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from haven.console import audit, store
from haven.console.db import case_data, cases, identifiers
from haven.console.identifiers import link_id
from haven.console.links import clusters

from .conftest import WALLET, WALLET_B_ONLY, WALLET_C


def test_two_packages_sharing_a_wallet_link(opened, packages):
    engine, key = opened
    a = store.ingest(engine, key, packages["a"], actor="t")
    assert a.links == []
    b = store.ingest(engine, key, packages["b"], actor="t")
    c = store.ingest(engine, key, packages["c"], actor="t")
    assert b.links == [{"identifier": f"btc:{WALLET}", "cases": [a.case_id]}]
    assert c.links == []  # only gmail.com in common with the others: never a link
    found = clusters(engine, key)
    assert [g["cases"] for g in found] == [sorted([a.case_id, b.case_id])]
    assert found[0]["identifiers"][0]["identifier"] == f"btc:{WALLET}"
    # the wallet only B has is stored but links nothing
    tokens = {r[0] for r in engine.connect().execute(select(identifiers.c.token))}
    assert key.token(f"btc:{WALLET_B_ONLY}") in tokens and key.token(f"btc:{WALLET_C}") in tokens
    alerts = store.alerts_for(engine, key, _supervisor())
    assert [x["case_id"] for x in alerts] == [b.case_id]
    again = store.ingest(engine, key, packages["b"], actor="t")
    assert again.already and again.case_id == b.case_id


def _supervisor():
    from haven.console.users import User

    return User(1, "sup", "supervisor", "x")


def test_tampered_package_is_refused_and_nothing_is_stored(opened, packages):
    engine, key = opened
    with pytest.raises(store.PackageRefused) as info:
        store.ingest(engine, key, packages["tampered"], actor="t")
    assert any("messages.jsonl" in p for p in info.value.problems)
    with engine.connect() as conn:
        assert conn.execute(select(cases)).first() is None
        assert conn.execute(select(identifiers)).first() is None
    assert [e.action for e in audit.entries(engine)] == ["ingest-refused"]


def test_nothing_readable_at_rest(opened, packages, database):
    engine, key = opened
    got = store.ingest(engine, key, packages["a"], actor="t")
    with engine.connect() as conn:
        blobs = [r[0] for r in conn.execute(select(case_data.c.data_enc))]
        blobs += [r[0] for r in conn.execute(select(identifiers.c.value_enc))]
        blobs += [r[0] for r in conn.execute(select(cases.c.summary_enc))]
    joined = b"".join(bytes(b) for b in blobs)
    for clear in (WALLET.encode(), b"kai.scam", b"everyone sees", b"REF-A", b"PK\x03\x04"):
        assert clear not in joined
    assert store.case_part(engine, key, got.case_id, "messages")[2]["text"].startswith("pay 500")
    if database.endswith(".sqlite"):
        raw = b"".join(p.read_bytes() for p in Path(database).parent.glob("console.sqlite*"))
        assert WALLET.encode() not in raw and b"everyone sees" not in raw


def test_audit_log_is_append_only_and_verifies(opened, packages):
    engine, key = opened
    got = store.ingest(engine, key, packages["a"], actor="t")
    audit.record(engine, key, "t", "view", got.case_id)
    assert audit.verify(engine, key) == []
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("UPDATE console_audit SET actor = 'someone else'"))
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("DELETE FROM console_audit"))
    assert audit.verify(engine, key) == []


def test_audit_verify_finds_an_edit(opened, packages, database):
    engine, key = opened
    store.ingest(engine, key, packages["a"], actor="t")
    audit.record(engine, key, "t", "view", "x")
    with engine.begin() as conn:  # someone with the database's owner rights drops the guard first
        if database.startswith("postgresql"):
            conn.execute(text("DROP TRIGGER console_audit_guard ON console_audit"))
        else:
            conn.execute(text("DROP TRIGGER console_audit_no_update"))
        conn.execute(text("UPDATE console_audit SET target = 'nothing' WHERE seq = 1"))
    problems = audit.verify(engine, key)
    assert problems and any("edited" in p or "hash" in p for p in problems)


def test_delete_with_reason_and_retention(opened, packages):
    engine, key = opened
    a = store.ingest(engine, key, packages["a"], actor="t")
    b = store.ingest(engine, key, packages["b"], actor="t")
    with pytest.raises(Exception, match="reason"):
        store.delete_case(engine, key, a.case_id, actor="sup", reason=" ")
    store.delete_case(engine, key, a.case_id, actor="sup", reason="duplicate of another report")
    assert store.get_case(engine, key, a.case_id) is None
    assert clusters(engine, key) == []
    with engine.begin() as conn:
        conn.execute(update(cases).where(cases.c.id == b.case_id)
                     .values(ingested_at=datetime.now(UTC) - timedelta(days=40)))
    store.set_retention(engine, key, 30, "admin")
    assert store.purge_expired(engine, key) == [b.case_id]
    actions = [(e.action, e.params.get("target")) for e in audit.entries(engine)]
    assert ("delete", a.case_id) in actions and ("delete", b.case_id) in actions
    deleted = [e for e in audit.entries(engine) if e.action == "delete"]
    assert deleted[0].params["reason"] == "duplicate of another report"
    assert "retention" in deleted[1].params["reason"]
    assert audit.verify(engine, key) == []


@pytest.mark.parametrize(("kind", "value", "side", "expected"), [
    ("btc", WALLET, None, f"btc:{WALLET}"),
    ("email", "Kai.Scam@Gmail.com", "offender", "email:kai.scam@gmail.com"),
    ("domain", "gmail.com", None, None),
    ("url", "https://www.instagram.com/", None, None),
    ("url", "https://instagram.com/kai_bad99", None, "url:https://instagram.com/kai_bad99"),
    ("email", "list@lists.example.org", "email headers", None),
    ("handle", "instagram:sam", "other people in these conversations", None),
    ("gift-card", "7QX4M-9KJ2T-WP3RZ", "victim-sent", "gift-card:7QX4M-9KJ2T-WP3RZ"),
    ("name", "kai", None, None),
    ("amount", "GBP:500", None, None),
    ("phone", "+447700900123", None, "phone:+447700900123"),
])
def test_link_rules(kind, value, side, expected):
    got = link_id(kind, value, True, side)
    assert (got.identifier if got else None) == expected


def test_key_moments_read_from_package_or_found_for_older_ones(packages):
    from haven.console.reader import computed_moments, read_package

    pkg = read_package(packages["a"])
    assert pkg.moments and pkg.moments[0]["what"] == "First message"
    assert "continuity" in pkg.continuity.lower() or pkg.manifest["items"][0]["sha256"] in pkg.continuity
    found = computed_moments(pkg.messages)  # what an older package without key-moments.json gets
    whats = [m["what"] for m in found]
    assert whats[0] == "First message" and len(whats) > 1
    assert all(m["message_id"] in {d["id"] for d in pkg.messages} for m in found)
