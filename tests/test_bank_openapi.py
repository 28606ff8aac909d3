"""The bank's OpenAPI document agrees with the service: schemathesis (bounded) finds no server error and no
conformance failure; wrong methods get 405 with a true ``Allow``; signal types are enums; no CDN docs page."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from test_bank_support import haven_cmd, make_key, running

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
        "missing_required_header",
        "unsupported_method",
        "allow_header_conformance",
        "ignored_auth",
    ]
)
# positive_data_acceptance is left out on purpose: the bank checks hashes (a PDQ's hex, a vPDQ's JSON) and
# webhook addresses beyond what JSON Schema can say, so some schema-valid bodies are rightly refused (422).
# 413 is a rejection too: a body over the 2 MB cap is refused before it is read.
CONFIG = """
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "411", "413", "415", "422", "428",
  "429"]
"""
MD5 = "0a21c8f85a55a9e276ffc2c53f6887c4"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("bank") / "bank.sqlite")
    with running(db) as s:
        yield s


@pytest.mark.slow
def test_schemathesis_finds_no_conformance_failure(server, tmp_path: Path):
    key = make_key(server.database, "admin", "fuzzer")
    with server.client(key) as c:  # something to find, so not every case lookup is a 404
        c.post("/v1/cases", json={"signals": [{"signal_type": "md5", "signal": MD5}]})
    schemathesis = Path(haven_cmd()[0]).with_name("schemathesis")
    if not schemathesis.exists():
        pytest.fail("schemathesis is a test dependency; install the test extras")
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    out = subprocess.run(
        [
            str(schemathesis),
            "--config-file",
            str(config),
            "run",
            server.url + "/openapi.json",
            "-H",
            f"Authorization: Bearer {key}",
            "--checks",
            CHECKS,
            "-n",
            "20",
            "--seed",
            "11",
            "--phases",
            "examples,coverage,fuzzing",
            "--workers",
            "1",
            "--no-shrink",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    summary = out.stdout[out.stdout.rfind("SUMMARY") :][-3000:]
    assert out.returncode == 0, summary or out.stderr[-3000:]
    ran = re.search(r"(\d+) generated, (\d+) passed", out.stdout)
    assert ran and int(ran.group(1)) > 300 and ran.group(1) == ran.group(2), summary
    print(f"schemathesis: {ran.group(1)} cases, all passed")


def test_document_declares_every_error_with_the_error_schema(server):
    spec = server.client().get("/openapi.json").json()
    error_ref = {"$ref": "#/components/schemas/Error"}
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            codes = set(op["responses"])
            if op.get("security"):
                assert {"401", "403", "422"} <= codes, (method, path)
                assert op["responses"]["401"]["headers"]["WWW-Authenticate"]["required"]
            if method == "post":
                assert {"400", "411", "413", "415", "422"} <= codes, (method, path)
            for code, response in op["responses"].items():
                if int(code) >= 400:
                    assert response["content"]["application/json"]["schema"] == error_ref, (method, path)
    cases = spec["paths"]["/v1/cases/{number}"]["get"]["responses"]
    assert {"404", "429"} <= set(cases) and cases["429"]["headers"]["Retry-After"]["required"]
    params = {p["name"]: p for p in spec["paths"]["/v1/match"]["get"]["parameters"]}
    assert params["signal_type"]["schema"]["enum"] == ["pdq", "vpdq", "md5", "sha256"]


def test_wrong_methods_get_405_and_docs_are_off(server):
    with server.client() as c:
        r = c.put("/v1/health", json={})
        assert r.status_code == 405 and r.headers["allow"] == "GET"
        r = c.request("DELETE", "/v1/match", json={})
        assert r.status_code == 405 and r.headers["allow"] == "GET, POST"
        assert c.post("/v1/nowhere", json={}).status_code == 404
        assert c.post("/v1/match", content=b"x", headers={"Content-Type": "text/plain"}).status_code == 415
        for page in ("/docs", "/redoc"):
            assert c.get(page).status_code == 404  # the pages would load scripts from a CDN
