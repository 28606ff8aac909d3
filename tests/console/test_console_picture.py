"""Statistics (SVG charts without scripts, a table, CSV), the graph, search, and STIX/MISP export of a
case and of a cluster, in-process."""

from __future__ import annotations

import csv
import io
import json

import stix2
from fastapi.testclient import TestClient

from haven.console import store
from haven.console.app import Settings, create_app
from haven.console.users import create_user, new_session

from .conftest import WALLET


def _client(engine, key, role: str) -> TestClient:
    from sqlalchemy import select

    from haven.console.db import users

    made = create_user(engine, key, f"{role}-x", role, "default")
    with engine.connect() as conn:
        uid = conn.execute(select(users.c.id).where(users.c.name == made["user"])).scalar()
    token, _ = new_session(engine, uid, "full")
    client = TestClient(create_app(Settings(engine, key)), base_url="http://127.0.0.1")
    client.cookies.set("haven_console", token)
    return client


def test_statistics_graph_and_exports(tmp_path, packages):
    from haven.console.crypto import open_key
    from haven.console.db import make_engine

    engine = make_engine(str(tmp_path / "c.sqlite"))
    key = open_key(engine, tmp_path / "k")
    a = store.ingest(engine, key, packages["a"], actor="t", age=16)
    b = store.ingest(engine, key, packages["b"], actor="t", age=19)
    c = store.ingest(engine, key, packages["c"], actor="t", age=15)
    client = _client(engine, key, "analyst")

    rows = list(csv.reader(io.StringIO(client.get("/stats.csv").text)))
    assert rows[0] == ["measure", "category", "value"]
    table = {(m, c): v for m, c, v in rows[1:]}
    assert table[("month", "2024-03")] == "3"
    assert table[("age_band", "16-17")] == "1" and table[("age_band", "14-15")] == "1"
    assert table[("age_band", "18-24")] == "1"
    assert table[("under_18", "under 18")] == "2"
    assert table[("under_18", "share under 18 (of known ages)")] == "0.667"
    assert table[("platform", "whatsapp")] == "3" and table[("payment_method", "cryptocurrency")] == "3"
    assert float(table[("demanded", "GBP")]) == 500 and float(table[("demanded", "USD")]) == 300
    svg = client.get("/stats/age_band.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content and b"<script" not in svg.content and b"16-17" in svg.content
    page = client.get("/stats").text
    assert 'src="/stats/month.svg"' in page and "2024-03" in page

    graph = client.get(f"/graph/{a.case_id}").text
    assert "<svg" in graph and a.case_id in graph and b.case_id in graph and f"btc:{WALLET}"[:30] in graph
    assert client.get(f"/search?q=btc:{WALLET}").text.count("/cases/HC-") == 2
    case_page = client.get(f"/cases/{a.case_id}").text
    item = store.case_part(engine, key, a.case_id, "manifest")["items"][0]
    continuity = case_page.split("Continuity statement</h2>")[1].split("</pre>")[0]
    assert item["sha256"] in continuity  # the package's statement, shown as received
    assert "Threatened to share images" in case_page or "Demanded payment" in case_page  # key moments
    links_page = client.get("/links").text
    assert "strength 5.0" in links_page

    bundle = client.get(f"/clusters/{a.case_id}/stix.json")
    parsed = stix2.parse(bundle.text, allow_custom=True)
    assert any(o.type == "indicator" and WALLET in o.pattern for o in parsed.objects)
    event = json.loads(client.get(f"/clusters/{a.case_id}/misp.json").text)
    assert WALLET in json.dumps(event)
    case_bundle = stix2.parse(client.get(f"/cases/{b.case_id}/stix.json").text, allow_custom=True)
    patterns = " ".join(o.pattern for o in case_bundle.objects if o.type == "indicator")
    assert WALLET in patterns and "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2" in patterns
    c_bundle = stix2.parse(client.get(f"/cases/{c.case_id}/stix.json").text, allow_custom=True)
    c_patterns = " ".join(o.pattern for o in c_bundle.objects if o.type == "indicator")
    assert "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy" in c_patterns
    assert "= 'https://gmail.com" not in c_patterns and "= 'gmail.com'" not in c_patterns
    engine.dispose()
