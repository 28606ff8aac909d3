"""The continuity statement page (issue 15): the app shows the first-person statement with every exhibit,
offers it as text, and lets the person set the initials of the exhibit numbers."""

from __future__ import annotations

from .conftest import csrf, new_case


def test_continuity_page_shows_the_statement_and_initials_change(client):
    client, app = client
    new_case(client, app)
    r = client.post("/evidence/notes", data={"csrf": csrf(app), "note": "He wrote first on 6 March."})
    assert r.status_code == 200
    r = client.get("/report/continuity")
    assert r.status_code == 200
    assert "I collected" in r.text and "officer who takes my statement" in r.text
    r = client.post("/report/continuity/initials", data={"csrf": csrf(app), "initials": "s j"},
                    follow_redirects=True)
    assert r.status_code == 200 and 'value="SJ"' in r.text
    r = client.post("/report/continuity/initials", data={"csrf": csrf(app), "initials": "12"},
                    follow_redirects=True)
    assert "one to four letters" in r.text
    txt = client.get("/report/continuity.txt")
    assert txt.status_code == 200 and txt.text.startswith("Continuity statement")
    assert "attachment" in txt.headers["content-disposition"]


def test_timeline_states_how_times_were_read(client, tmp_path):
    client, app = client
    new_case(client, app)
    chat = "06/03/2017, 21:02 - Jess: hey\n07/03/2017, 09:00 - Jess: pay now\n"
    r = client.post("/evidence/add", data={"csrf": csrf(app)},
                    files={"files": ("WhatsApp Chat with Jess.txt", chat.encode(), "text/plain")})
    assert r.status_code in (200, 303)
    page = client.get("/evidence/timeline").text
    assert "Time zone: " in page and "local time in" not in page
    assert "The day and month could be the other way round." in page
