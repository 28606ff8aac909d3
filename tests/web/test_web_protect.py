"""Protect my pictures in the app: a journey that ends somewhere. The places are explained for the age,
the case is encrypted at rest, and status, find copies, withdraw and delete work with the PIN, each
change after a confirmation page."""

from __future__ import annotations

import re

from haven.protect.case import ProtectCase

from .conftest import PHOTO, csrf


def _make(c, app, age="15"):
    r = c.post(
        "/protect",
        data={"csrf": csrf(app), "age": age},
        files={"files": ("holiday-secret.jpg", PHOTO.read_bytes(), "image/jpeg")},
    )
    assert r.status_code == 200, r.text
    pin = re.search(r'id="pin">([0-9-]+)<', r.text).group(1)
    number = re.search(r'id="case-number">([A-Z0-9-]+)<', r.text).group(1)
    return r, number, pin


def test_the_places_are_explained_for_the_age(client):
    c, app = client
    intro = c.get("/protect").text
    assert "StopNCII" in intro and "Take It Down" in intro and "on your own phone or computer" in intro
    r, _, _ = _make(c, app, age="15")
    assert "Take It Down" in r.text and "Report Remove" in r.text and "StopNCII" not in r.text
    assert "You do not need a file from Haven" in r.text
    assert 'href="https://takeitdown.ncmec.org/"' in r.text  # a link, not text to retype
    assert "(chosen in the browser)" not in r.text and "Picture code" not in r.text
    r, _, _ = _make(c, app, age="30")
    assert "StopNCII" in r.text and "Take It Down" not in r.text


def test_protect_folder_has_no_file_name_flag_or_hash_in_plaintext(client):
    c, app = client
    _, number, pin = _make(c, app)
    case = ProtectCase.load(number, store=app.state.settings.protect_dir, pin=pin)
    secrets = [number, "holiday-secret", ".jpg", "minor", "true", "Active", pin, pin.replace("-", "")]
    for f in case.files:
        secrets += [f["md5"], f["sha256"], f["pdq"]]
        secrets += [f["md5"].upper(), f["sha256"].upper()]
    files = [p for p in app.state.settings.protect_dir.rglob("*") if p.is_file()]
    assert files, "the case was saved"
    for path in files:
        raw = path.read_bytes()
        for s in secrets:
            assert s.encode() not in raw, (path.name, s)
            assert s not in path.name
    assert case.minor is True and case.files[0]["path"] == "holiday-secret.jpg"


def test_status_withdraw_and_delete_with_the_pin_after_confirmation(client):
    c, app = client
    _, number, pin = _make(c, app)
    store = app.state.settings.protect_dir
    c.post("/protect/close", data={"csrf": csrf(app)})
    assert "Open your case" in c.get("/protect/case").text
    r = c.post("/protect/case", data={"csrf": csrf(app), "case": number, "pin": "0000-0000"})
    assert r.status_code == 400 and "does not match" in r.text and 'href="#pin"' in r.text
    r = c.post("/protect/case", data={"csrf": csrf(app), "case": number.lower(), "pin": pin})
    assert str(r.url).endswith("/protect/case") and number in r.text
    assert "On. You can use your codes." in r.text

    # Withdraw: a confirmation page first; nothing changes until the PIN is typed there.
    r = c.get("/protect/case/withdraw")
    assert "Stop this case?" in r.text and 'action="/protect/case/withdraw"' in r.text
    assert ProtectCase.load(number, store=store, pin=pin).status == "Active"
    r = c.post("/protect/case/withdraw", data={"csrf": csrf(app), "pin": "1111-1111"})
    assert r.status_code == 400 and ProtectCase.load(number, store=store, pin=pin).status == "Active"
    r = c.post("/protect/case/withdraw", data={"csrf": csrf(app), "pin": pin})
    assert "Your case is stopped" in r.text
    assert ProtectCase.load(number, store=store, pin=pin).status == "Withdrawn"
    assert c.post("/protect/export", data={"csrf": csrf(app)}).status_code == 400  # a stopped case

    r = c.get("/protect/case/delete")
    assert "Delete this case?" in r.text and "cannot be undone" in r.text
    r = c.post("/protect/case/delete", data={"csrf": csrf(app), "pin": pin})
    assert "Your case is deleted" in r.text
    gone = ProtectCase.load(number, store=store, pin=pin)
    assert gone.status == "Deleted" and gone.files == []


def test_find_copies_and_save_codes(client):
    c, app = client
    _, number, _pin = _make(c, app)
    r = c.post(
        "/protect/find",
        data={"csrf": csrf(app)},
        files=[
            ("found", ("IMG_0001.jpg", PHOTO.read_bytes(), "image/jpeg")),
            ("found", ("notes.txt", b"nothing to see", "text/plain")),
        ],
    )
    assert str(r.url).endswith("/protect/found") and "IMG_0001.jpg looks like holiday-secret.jpg" in r.text
    assert "Haven looked at 2 files" in r.text
    r = c.post("/protect/export", data={"csrf": csrf(app)})
    assert r.headers["content-disposition"].startswith("attachment")
    assert r.json()["case_number"] == number and "holiday" not in r.text
    assert not any(app.state.settings.run_dir.iterdir())  # no copy of a picture was left behind
