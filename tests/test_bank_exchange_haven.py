"""Haven-to-Haven exchange through python-threatexchange: ``HavenSignalExchangeAPI`` fetches from one real
Haven bank's signed feed (pages, checkpoints, a withdrawal deleting its record, resuming an abandoned
fetch), and the fetched hashes are banked in a second real Haven bank through its HMA routes."""

from __future__ import annotations

from pathlib import Path

from threatexchange.signal_type.md5 import VideoMD5Signal
from threatexchange.signal_type.pdq.signal import PdqSignal

from haven.bank.exchanges.haven import HavenCheckpoint, HavenCollabConfig, HavenSignalExchangeAPI
from test_bank_support import make_key, running

PDQS = [f"{i:02x}" * 32 for i in range(1, 6)]
MD5 = "0a21c8f85a55a9e276ffc2c53f6887c4"


def test_haven_to_haven(tmp_path: Path) -> None:
    a_db, b_db = str(tmp_path / "a.sqlite"), str(tmp_path / "b.sqlite")
    sub, plat = make_key(a_db, "submitter", "intake"), make_key(a_db, "matcher", "bank-b")
    cur_b, plat_b = make_key(b_db, "curator", "ops"), make_key(b_db, "matcher", "platform")
    with (
        running(a_db) as a,
        a.client(sub) as s,
        running(b_db) as b,
        b.client(cur_b) as cb,
        b.client(plat_b) as pb,
    ):
        made = [
            s.post("/v1/cases", json={"signals": [{"signal_type": "pdq", "signal": h}]}).json() for h in PDQS
        ]
        s.post("/v1/cases", json={"signals": [{"signal_type": "md5", "signal": MD5}]})
        api = HavenSignalExchangeAPI.for_collab(
            HavenCollabConfig(name="FROM_A", api="haven_feed", url=a.url, key=plat, page_size=2)
        )

        # first fetch abandoned after one page (as if killed): its checkpoint resumes the rest
        state: dict = {}
        it = api.fetch_iter([PdqSignal, VideoMD5Signal], None)
        first = next(it)
        it.close()
        api.naive_fetch_merge(state, first.updates)
        assert len(state) == 2 and isinstance(first.checkpoint, HavenCheckpoint)
        checkpoint = first.checkpoint
        for delta in api.fetch_iter([PdqSignal, VideoMD5Signal], checkpoint):
            api.naive_fetch_merge(state, delta.updates)
            checkpoint = delta.checkpoint
        assert sorted(r.value for r in state.values()) == sorted([*PDQS, MD5])

        # a withdrawal at the source deletes the record on the next fetch
        s.post(f"/v1/cases/{made[0]['case_number']}/withdraw", json={"pin": made[0]["pin"]})
        for delta in api.fetch_iter([PdqSignal, VideoMD5Signal], checkpoint):
            api.naive_fetch_merge(state, delta.updates)
        assert PDQS[0] not in {r.value for r in state.values()} and len(state) == 5

        by_type = HavenSignalExchangeAPI.naive_convert_to_signal_type(
            [PdqSignal, VideoMD5Signal], api.collab, state
        )
        assert set(by_type[PdqSignal]) == set(PDQS[1:]) and set(by_type[VideoMD5Signal]) == {MD5}

        # bank them in B (a real second bank): B now matches A's live hashes, not the withdrawn one
        assert cb.post("/c/banks", json={"name": "FROM_A"}).status_code == 201
        for value in by_type[PdqSignal]:
            assert cb.post("/c/bank/FROM_A/signal", json={"pdq": value}).status_code == 200
        assert list(pb.get("/m/lookup", params={"signal_type": "pdq", "signal": PDQS[1]}).json()) == [
            "FROM_A"
        ]
        assert pb.get("/m/lookup", params={"signal_type": "pdq", "signal": PDQS[0]}).json() == {}
