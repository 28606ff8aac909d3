"""Every route refuses a visitor without a session and a person with the wrong role; CSRF on every form;
lock-out after repeated failures; strict security headers. In-process (Starlette's TestClient), on SQLite
and on PostgreSQL."""

from __future__ import annotations

import re

import pyotp
import pytest
from fastapi.testclient import TestClient

from haven.console import audit, store
from haven.console.app import Settings, create_app
from haven.console.users import MAX_FAILED, create_user, new_session

from .conftest import WALLET

ROLES = ("officer", "analyst", "supervisor", "admin")
CASE = ("officer", "analyst", "supervisor")
# (method, path, roles allowed); {a} is a case id, linked to {b}
ROUTES = [
    ("GET", "/", ROLES),
    ("GET", "/cases", CASE),
    ("GET", "/cases/{a}", CASE),
    ("GET", "/cases/{a}/stix.json", CASE),
    ("GET", "/cases/{a}/misp.json", CASE),
    ("GET", "/cases/{a}/package.zip", ("officer", "supervisor")),
    ("POST", "/cases/{a}/delete", ("supervisor",)),
    ("GET", "/search?q=btc:" + WALLET, CASE),
    ("GET", "/ingest", ("officer", "supervisor")),
    ("POST", "/ingest", ("officer", "supervisor")),
    ("GET", "/links", CASE),
    ("GET", "/graph/{a}", CASE),
    ("GET", "/clusters/{a}/stix.json", ("analyst", "supervisor")),
    ("GET", "/clusters/{a}/misp.json", ("analyst", "supervisor")),
    ("GET", "/stats", ("analyst", "supervisor")),
    ("GET", "/stats/month.svg", ("analyst", "supervisor")),
    ("GET", "/stats.csv", ("analyst", "supervisor")),
    ("GET", "/audit", ("admin", "supervisor")),
    ("GET", "/admin/users", ("admin",)),
    ("POST", "/admin/users", ("admin",)),
    ("GET", "/admin/settings", ("admin", "supervisor")),
    ("POST", "/admin/settings", ("admin", "supervisor")),
    ("GET", "/quarantine", ("supervisor",)),
    ("GET", "/psi", ("analyst", "supervisor")),
    ("POST", "/logout", ROLES),
]


@pytest.fixture
def world(opened, packages):
    engine, key = opened
    a = store.ingest(engine, key, packages["a"], actor="t", unit="north")
    b = store.ingest(engine, key, packages["b"], actor="t", unit="north")
    other = store.ingest(engine, key, packages["c"], actor="t", unit="south")
    people = {r: create_user(engine, key, f"{r}-1", r, "north") for r in ROLES}
    app = create_app(Settings(engine, key, name="Test force"))
    return engine, key, app, {"a": a.case_id, "b": b.case_id, "south": other.case_id}, people


def signed_in(engine, app, role: str, people) -> tuple[TestClient, str]:
    from sqlalchemy import select

    from haven.console.db import users

    with engine.connect() as conn:
        uid = conn.execute(select(users.c.id).where(users.c.name == people[role]["user"])).scalar()
    token, csrf = new_session(engine, uid, "full")
    client = TestClient(app, base_url="http://127.0.0.1")
    client.cookies.set("haven_console", token)
    return client, csrf


def _call(client: TestClient, method: str, path: str, csrf: str | None):
    if method == "GET":
        return client.get(path, follow_redirects=False)
    data = {"csrf": csrf} if csrf else {}
    return client.post(path, data=data, follow_redirects=False)


def test_every_route_refused_without_session_and_with_wrong_role(world):
    engine, _key, app, ids, people = world
    anon = TestClient(app, base_url="http://127.0.0.1")
    clients = {role: signed_in(engine, app, role, people) for role in ROLES}
    for method, template, allowed in ROUTES:
        path = template.format(**ids)
        r = _call(anon, method, path, None)
        assert r.status_code == 303 and r.headers["location"] == "/login", (path, r.status_code)
        for role in ROLES:
            if path == "/logout":
                continue  # checked last: it ends the session
            client, csrf = clients[role]
            r = _call(client, method, path, csrf)
            if role in allowed:
                assert r.status_code not in (303, 401, 403), (path, role, r.status_code)
            else:
                assert r.status_code == 403 and "Not allowed" in r.text, (path, role, r.status_code)
    for role in ROLES:
        client, csrf = clients[role]
        r = _call(client, "POST", "/logout", csrf)
        assert r.status_code == 303 and client.get("/", follow_redirects=False).status_code == 303


def test_forms_need_the_csrf_token(world):
    engine, key, app, ids, people = world
    client, csrf = signed_in(engine, app, "supervisor", people)
    r = client.post(f"/cases/{ids['a']}/delete", data={"reason": "test"}, follow_redirects=False)
    assert r.status_code == 403 and store.get_case(engine, key, ids["a"]) is not None
    r = client.post(f"/cases/{ids['a']}/delete", data={"reason": "test", "csrf": "wrong"})
    assert r.status_code == 403 and store.get_case(engine, key, ids["a"]) is not None
    r = client.post(f"/cases/{ids['a']}/delete", data={"reason": "withdrawn by the victim", "csrf": csrf})
    assert r.status_code == 200 and store.get_case(engine, key, ids["a"]) is None
    delete = [e for e in audit.entries(engine) if e.action == "delete"]
    assert delete[0].params["actor"] == "supervisor-1"
    assert delete[0].params["reason"] == "withdrawn by the victim"


def test_officer_sees_only_their_unit(world):
    engine, _key, app, ids, people = world
    client, _ = signed_in(engine, app, "officer", people)
    page = client.get("/cases").text
    assert ids["a"] in page and ids["south"] not in page
    assert client.get(f"/cases/{ids['south']}").status_code == 403
    sup, _ = signed_in(engine, app, "supervisor", people)
    assert ids["south"] in sup.get("/cases").text
    assert sup.get(f"/cases/{ids['south']}").status_code == 200


def test_headers_and_cookie(world):
    app = world[2]
    client = TestClient(app, base_url="http://127.0.0.1")
    r = client.get("/login")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY" and r.headers["cache-control"] == "no-store"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    evil = TestClient(app, base_url="http://attacker.example")
    assert evil.get("/login").status_code == 403


def _login_form(client: TestClient) -> str:
    page = client.get("/login").text
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_sign_in_with_password_and_totp_then_lock_out(world):
    engine, key, app, _ids, people = world
    person = people["officer"]
    client = TestClient(app, base_url="http://127.0.0.1")
    pre = _login_form(client)
    r = client.post("/login", data={"name": person["user"], "password": person["password"], "csrf": pre},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login/totp"
    assert client.get("/", follow_redirects=False).status_code == 303  # password alone is not enough
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login/totp").text).group(1)
    code = pyotp.TOTP(person["totp_secret"]).now()
    r = client.post("/login/totp", data={"code": code, "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert "Home" in client.get("/").text
    # a second sign-in with the same code is refused (a code works once)
    other = TestClient(app, base_url="http://127.0.0.1")
    pre = _login_form(other)
    other.post("/login", data={"name": person["user"], "password": person["password"], "csrf": pre})
    csrf = re.search(r'name="csrf" value="([^"]+)"', other.get("/login/totp").text).group(1)
    r = other.post("/login/totp", data={"code": code, "csrf": csrf})
    assert r.status_code == 401 and "already used" in r.text
    # lock-out: after MAX_FAILED wrong passwords, even the right one is refused
    victim = people["analyst"]
    for _ in range(MAX_FAILED):
        r = other.post("/login", data={"name": victim["user"], "password": "wrong", "csrf": pre})
        assert r.status_code == 401
    r = other.post("/login", data={"name": victim["user"], "password": victim["password"], "csrf": pre},
                   follow_redirects=False)
    assert r.status_code == 401
    actions = [e.action for e in audit.entries(engine)]
    assert actions.count("sign-in-failed") >= MAX_FAILED + 2 and "sign-in" in actions
    assert audit.verify(engine, key) == []


PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/login/totp"), ("POST", "/login/totp")}
PEER = [("POST", "/psi/v1/start"), ("POST", "/psi/v1/{sid}/setup"), ("POST", "/psi/v1/{sid}/request"),
        ("POST", "/psi/v1/{sid}/result")]


def test_the_route_table_names_every_route():
    """A route added later cannot miss the checks above: the table, the sign-in pages and the peer
    endpoint are all the console's routers have."""
    from haven.console import routes_admin, routes_auth, routes_cases, routes_picture, routes_psi

    served = {(m, r.path) for mod in (routes_admin, routes_auth, routes_cases, routes_picture, routes_psi)
              for r in mod.router.routes for m in getattr(r, "methods", ()) if m != "HEAD"}
    listed = {(m, p.split("?")[0].replace("{a}", "{case_id}").replace("month.svg", "{measure}.svg"))
              for m, p, _roles in ROUTES}
    assert served == listed | PUBLIC | set(PEER)


def test_peer_routes_refuse_sessions_and_missing_tokens(world):
    """The PSI endpoint takes only the peer token: a signed-in supervisor's cookie is not enough, and a
    console without a peer token does not serve it at all."""
    engine, key, _app, _ids, people = world
    with_token = create_app(Settings(engine, key, name="Test force", peer_token="t" * 32, psi_prepare=False))
    client, _csrf = signed_in(engine, with_token, "supervisor", people)
    anon = TestClient(create_app(Settings(engine, key)), base_url="http://127.0.0.1")
    for method, path in PEER:
        path = path.format(sid="abc")
        assert client.request(method, path, json={"size": 10}).status_code == 401, path
        assert client.request(method, path, json={"size": 10},
                              headers={"Authorization": "Bearer wrong"}).status_code == 401, path
        assert anon.request(method, path, json={"size": 10}).status_code == 404, path
    assert any(e.action == "psi-refused" for e in audit.entries(engine))
