"""A real server on a free loopback port with the tiny model, and real websocket clients."""

import base64
import json
import threading
import time

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from sapling.game_data import full_state
from sapling.schematic import read_structure
from sapling.server import protocol
from sapling.server.app import BackgroundServer, SaplingServer, ServerConfigError, ServerSettings
from sapling.server.protocol import Limits

SLOW = {"size": "huge", "sampling_steps": 64, "stream": True}  # seconds of work for the tiny model


def start(pipeline, **settings) -> BackgroundServer:
    return BackgroundServer(pipeline, ServerSettings(port=0, **settings)).start()


def send(ws, **message):
    ws.send(json.dumps(message))


def recv(ws, timeout=60):
    return json.loads(ws.recv(timeout=timeout))


def until(ws, *types, request_id=None):
    """Messages up to and including the first of ``types`` (for ``request_id`` if given)."""
    out = []
    while True:
        m = recv(ws)
        out.append(m)
        if m["type"] in types and (request_id is None or m.get("id") == request_id):
            return out


def structures(messages):
    """{sample: assembled structure message}"""
    by_sample = {}
    for m in messages:
        if m["type"] in ("structure", "structure_part"):
            by_sample.setdefault(m["sample"], []).append(m)
    return {k: protocol.assemble(v) for k, v in by_sample.items()}


def placed(structure_msg):
    return {(x, y, z): structure_msg["palette"][i] for x, y, z, i in structure_msg["blocks"]}


def test_generate_without_streaming(server):
    with connect(server.url) as ws:
        send(ws, type="generate", id="t1", prompt="oak tree", num_samples=2, seed=3)
        msgs = until(ws, "done")
    assert msgs[0] == {"type": "accepted", "id": "t1", "queue_position": 1}
    assert not [m for m in msgs if m["type"] == "progress"]
    trees = structures(msgs)
    assert sorted(trees) == [0, 1]
    for k, s in trees.items():
        assert s["size"] == [16, 16, 16] and s["origin"] == [8, 1, 8]
        assert s["metrics"]["seed"] == 3 + k
        assert s["metrics"]["blocks"] == len(s["blocks"]) > 0
        assert s["metrics"]["connectivity"] == 1.0  # default post-processing
    assert msgs[-1]["type"] == "done" and msgs[-1]["elapsed_ms"] > 0


def test_streamed_blocks_add_up_to_the_final_structure(server):
    with connect(server.url) as ws:
        send(ws, type="generate", id="s", prompt="birch tree", sampling_steps=4, stream=True, postprocess="none",
             seed=11)
        msgs = until(ws, "done")
    steps = [m for m in msgs if m["type"] == "progress"]
    assert [m["step"] for m in steps] == [1, 2, 3, 4] and all(m["steps"] == 4 for m in steps)
    streamed = {}
    for m in steps:
        for x, y, z, state in m["blocks"]:
            assert (x, y, z) not in streamed
            streamed[(x, y, z)] = state
    assert streamed == placed(structures(msgs)[0])
    # The frame of the progress messages is the structure's: the same seed gives the same tree.
    with connect(server.url) as ws:
        send(ws, type="generate", id="again", prompt="birch tree", sampling_steps=4, postprocess="none", seed=11)
        assert placed(structures(until(ws, "done"))[0]) == streamed


def test_schem_format_parses_and_matches(server, tmp_path):
    with connect(server.url) as ws:
        send(ws, type="generate", id="f", prompt="spruce tree", format="schem", postprocess="prune", seed=5)
        tree = structures(until(ws, "done"))[0]
    path = tmp_path / "tree.schem"
    path.write_bytes(base64.b64decode(tree["schem"]))
    s = read_structure(path)
    # Same blocks (the file names every property), same origin.
    assert s.block_dict() == {pos: full_state(state) for pos, state in placed(tree).items()}


def test_info_and_ping(server):
    with connect(server.url) as ws:
        send(ws, type="info")
        info = recv(ws)
        send(ws, type="ping")
        assert recv(ws) == {"type": "pong"}
    assert info["type"] == "info"
    assert info["sizes"] == {"normal": [16, 16, 16], "big": [16, 32, 16], "huge": [24, 64, 24]}
    assert info["defaults"]["sampling_steps"] == 2 and info["defaults"]["postprocess"] == "repair"
    assert info["limits"]["max_samples"] == Limits().max_samples
    assert "schem" in info["formats"]


@pytest.mark.parametrize("message, field", [
    ('{"type": "generate", "id": "a", "prompt": "oak", "num_samples": 99}', "num_samples"),
    ('{"type": "generate", "id": "a", "prompt": "oak", "size": "enormous"}', "size"),
    ('{"type": "generate", "id": "a", "prompt": 12}', "prompt"),
    ('{"type": "generate", "id": "a", "prompt": "oak", "sampling_steps": 1000}', "sampling_steps"),
    ('{"type": "dance"}', "type"),
    ('{"type": "cancel", "id": "nothing-running"}', "id"),
    ("{not json", None),
])
def test_invalid_requests_are_named_and_the_connection_stays_usable(server, message, field):
    with connect(server.url) as ws:
        ws.send(message)
        err = recv(ws)
        assert err["type"] == "error" and err["code"] == "invalid_request"
        if field:
            assert f"field '{field}'" in err["message"]
        send(ws, type="ping")
        assert recv(ws) == {"type": "pong"}
    assert server.call(lambda: server.service.pending) == 0  # nothing was queued


def test_duplicate_id_and_per_connection_limit(tiny_pipeline):
    with start(tiny_pipeline, limits=Limits(max_in_flight=2)) as srv, connect(srv.url) as ws:
        send(ws, type="generate", id="a", prompt="oak", **SLOW)
        send(ws, type="generate", id="a", prompt="oak")
        send(ws, type="generate", id="b", prompt="oak", **SLOW)
        send(ws, type="generate", id="c", prompt="oak")
        errors = []
        while len(errors) < 2:
            m = recv(ws)
            if m["type"] == "error":
                errors.append(m)
        assert errors[0]["id"] == "a" and errors[0]["code"] == "invalid_request" and "in flight" in errors[0]["message"]
        assert errors[1]["id"] == "c" and errors[1]["code"] == "busy"
        send(ws, type="cancel", id="a")
        send(ws, type="cancel", id="b")


def test_cancel_stops_the_request_promptly(held_server):
    held = held_server()
    with connect(held.url) as ws:
        send(ws, type="generate", id="long", prompt="jungle tree", stream=True, sampling_steps=8)
        until(ws, "progress")  # step 1 of 8: the request is running, held there until released
        send(ws, type="cancel", id="long")
        msgs = until(ws, "error")
        assert msgs[-1] == {"type": "error", "id": "long", "code": "cancelled", "message": "cancelled by the client"}
        held.release()
        call = held.pipeline.calls[0].wait_until_ended()
        assert not call.returned and call.steps == 2  # the batch stopped at its next step
        send(ws, type="ping")  # nothing more arrives for the cancelled request
        assert recv(ws) == {"type": "pong"}
        # The model is free again: a new request is answered.
        send(ws, type="generate", id="next", prompt="oak tree")
        msgs = until(ws, "done", "error")
        assert msgs[-1]["type"] == "done"
        assert not [m for m in msgs if m.get("id") == "long"]
    assert held.server.service.trees_made == 1  # the cancelled batch never finished


def test_disconnecting_cancels_its_work(held_server):
    held = held_server()
    server = held.server
    with connect(server.url) as ws:
        send(ws, type="generate", id="gone", prompt="oak tree", stream=True, sampling_steps=8)
        until(ws, "progress")  # step 1 of 8: the request is running, held there until released
        ws.close()
    assert held.cancelled.get(timeout=60) == "gone"  # the server cancelled it when its client left
    held.release()
    call = held.pipeline.calls[0].wait_until_ended()
    assert not call.returned and call.steps == 2  # the batch stopped at its next step
    deadline = time.monotonic() + 10
    while server.call(lambda: server.service.pending) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.call(lambda: server.service.pending) == 0
    with connect(server.url) as ws2:  # and the server still serves others
        send(ws2, type="generate", id="after", prompt="oak tree")
        assert until(ws2, "done")[-1]["type"] == "done"
    assert server.service.trees_made == 1


def test_a_full_queue_answers_busy_at_once(held_server):
    held = held_server(limits=Limits(max_queue=1), batch_window=0, max_batch=1)
    with connect(held.url) as a, connect(held.url) as b, connect(held.url) as c:
        send(a, type="generate", id="running", prompt="oak", stream=True, sampling_steps=8)
        until(a, "progress")  # running (out of the queue), held at its first step until released
        send(b, type="generate", id="queued", prompt="oak", **SLOW)
        assert recv(b)["type"] == "accepted"
        send(c, type="generate", id="refused", prompt="oak")
        err = recv(c)
        assert err["code"] == "busy" and err["id"] == "refused" and "queue is full" in err["message"]
        # Answered while the running request is still held: not after it.
        assert len(held.pipeline.calls) == 1 and not held.pipeline.calls[0].ended.is_set()
        send(a, type="cancel", id="running")
        send(b, type="cancel", id="queued")


def test_many_concurrent_clients_are_all_answered_and_batched(tiny_pipeline):
    with start(tiny_pipeline, batch_window=0.2) as srv:
        results, errors = {}, []

        def client(n):
            try:
                with connect(srv.url) as ws:
                    for r in range(2):
                        send(ws, type="generate", id=f"{n}-{r}", prompt=f"tree {n}", seed=n, postprocess="none")
                    msgs = until(ws, "done")
                    msgs += until(ws, "done")
                    results[n] = msgs
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors and len(results) == 8
        for msgs in results.values():
            assert len([m for m in msgs if m["type"] == "done"]) == 2
            assert len([m for m in msgs if m["type"] == "structure"]) == 2
        assert srv.service.trees_made == 16
        assert srv.service.batches_run < 16  # requests shared forward passes


def test_large_structures_arrive_in_parts(tiny_pipeline):
    with start(tiny_pipeline, limits=Limits(max_message_bytes=16384)) as srv, connect(srv.url) as ws:
        send(ws, type="generate", id="big", prompt="dark oak tree", size="huge", postprocess="none")
        msgs = until(ws, "done")
    parts = [m for m in msgs if m["type"] == "structure_part"]
    assert len(parts) > 1 and all(len(protocol.encode(p)) <= 16384 for p in parts)
    tree = structures(msgs)[0]
    assert len(tree["blocks"]) == tree["metrics"]["blocks"]


def test_token_rule(tiny_pipeline):
    with pytest.raises(ServerConfigError, match="--token"):
        SaplingServer(tiny_pipeline, ServerSettings(host="0.0.0.0"))
    with start(tiny_pipeline, token="s3cret-token") as srv:
        for url, headers in [(srv.url, None), (srv.url, {"Authorization": "Bearer wrong-token"}),
                             (srv.url + "/?token=nope", None)]:
            with connect(url, additional_headers=headers) as ws:
                err = recv(ws)
                assert err["code"] == "unauthorized"
                with pytest.raises(ConnectionClosed):
                    ws.recv(timeout=5)
        for url, headers in [(srv.url, {"Authorization": "Bearer s3cret-token"}), (srv.url + "/?token=s3cret-token",
                                                                                  None)]:
            with connect(url, additional_headers=headers) as ws:
                send(ws, type="ping")
                assert recv(ws) == {"type": "pong"}


def test_stopping_finishes_running_work(tiny_pipeline):
    srv = start(tiny_pipeline, shutdown_timeout=30)
    with connect(srv.url) as ws:
        send(ws, type="generate", id="last", prompt="oak tree", sampling_steps=8, stream=True)
        until(ws, "progress")
        stopper = threading.Thread(target=srv.stop)
        stopper.start()
        msgs = until(ws, "done", "error")
        assert msgs[-1]["type"] == "done"
        stopper.join(30)
    assert not stopper.is_alive()


def test_stopping_closes_idle_connections_instead_of_waiting_for_them(tiny_pipeline):
    srv = start(tiny_pipeline, shutdown_timeout=5)
    with connect(srv.url) as ws:
        send(ws, type="ping")
        assert recv(ws) == {"type": "pong"}
        srv.stop(timeout=30)
        # Had stop() waited for this idle client, nothing would have closed the connection yet.
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        assert closed.value.rcvd is not None  # the server closed it (this client never did)


def test_a_client_that_does_not_read_holds_back_no_one(tiny_pipeline):
    with start(tiny_pipeline, batch_window=0, max_batch=1) as srv:
        with connect(srv.url) as slow:
            # Lots of streamed data that this client never reads: its replies pile up in its own queue.
            for i in range(2):
                send(slow, type="generate", id=f"slow-{i}", prompt="jungle tree", size="big", stream=True,
                     sampling_steps=8, format="schem", postprocess="none")
            with connect(srv.url) as quick:
                for i in range(2):
                    send(quick, type="generate", id=f"quick-{i}", prompt="oak tree", postprocess="none")
                    assert until(quick, "done", "error")[-1]["type"] == "done"
            deadline = time.monotonic() + 60
            while srv.call(lambda: srv.service.pending) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert srv.call(lambda: srv.service.pending) == 0  # the slow client's work finished too
            assert srv.service.trees_made == 4
