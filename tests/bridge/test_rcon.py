"""The RCON client against FakeMinecraft over real loopback sockets: login, replies, limits, drops."""

import socket
import struct
import threading

import pytest
from fake_minecraft import FakeMinecraft

from sapling.bridge.rcon import (MAX_COMMAND_BYTES, RconAuthError, RconClient, RconConnectionLost, RconError,
                                 read_password)
from sapling.errors import SaplingError


def client(mc: FakeMinecraft, password: str = "pw", **kw) -> RconClient:
    kw.setdefault("timeout", 5.0)
    kw.setdefault("backoff", 0.01)
    return RconClient("127.0.0.1", mc.port, password, **kw)


def test_login_and_setblock(fake_minecraft):
    with client(fake_minecraft) as rcon:
        assert rcon.command("setblock 1 64 -2 oak_log[axis=y] keep") == "Changed the block at 1, 64, -2"
        assert rcon.command("setblock 1 64 -2 stone keep") == "Could not set the block"
        assert rcon.command("setblock 1 64 -2 minecraft:oak_log[axis=y]") == "Could not set the block"  # same
        assert rcon.command("/setblock 1 64 -2 stone replace") == "Changed the block at 1, 64, -2"
        assert rcon.command("setblock 1 64 -2 air") == "Changed the block at 1, 64, -2"
        assert rcon.command("setblock 0 400 0 stone") == "That position is out of this world!"
    assert fake_minecraft.world == {}
    assert fake_minecraft.logins == 1 and fake_minecraft.connections == 1 and rcon.reconnects == 0
    assert fake_minecraft.commands[0] == "setblock 1 64 -2 oak_log[axis=y] keep"


def test_fill_execute_data_tellraw_and_unknown(fake_minecraft):
    mc = fake_minecraft
    mc.add_player("Steve", pos=(12.5, 64.0, -3.25), rotation=(90.0, 12.5))
    with client(mc) as rcon:
        rcon.command("setblock 0 0 0 stone")
        assert rcon.command("fill 0 0 0 1 1 1 birch_leaves[persistent=true,distance=1] keep") == \
            "Successfully filled 7 block(s)"
        assert mc.world[(1, 1, 1)] == "minecraft:birch_leaves[distance=1,persistent=true]"
        assert rcon.command("fill 0 0 0 1 1 1 stone keep") == "No blocks were filled"
        assert rcon.command("fill 0 0 0 31 31 32 stone") == \
            "Too many blocks in the specified area (maximum 32768, specified 33792)"
        assert rcon.command("execute if block 1 1 1 minecraft:birch_leaves[persistent=true]") == "Test passed"
        assert rcon.command("execute if block 1 1 1 birch_leaves") == "Test passed"
        assert rcon.command("execute if block 1 1 1 birch_leaves[persistent=false]") == "Test failed"
        assert rcon.command("execute if block 1 1 1 oak_leaves run setblock 1 1 1 air") == ""  # Java: silent
        assert rcon.command("execute if block 1 1 1 birch_leaves run setblock 1 1 1 air") == \
            "Changed the block at 1, 1, 1"
        assert rcon.command("data get entity Steve Pos") == "Steve has the following entity data: [12.5d, 64.0d, -3.25d]"
        assert rcon.command("data get entity Steve Rotation") == "Steve has the following entity data: [90.0f, 12.5f]"
        assert rcon.command("data get entity Alex Pos") == "No entity was found"
        assert rcon.command('tellraw Steve {"text": "[Sapling] hi", "color": "green"}') == ""
        assert rcon.command('tellraw Steve {"text": "oops"').startswith("Invalid chat component: ")
        assert rcon.command('tellraw Alex "hi"') == "No player was found"
        assert rcon.command("weather clear") == "Unknown or incomplete command, see below for errorweather clear<--[HERE]"
        assert rcon.command("setblock 1 2") == "Unknown or incomplete command, see below for error...tblock 1 2<--[HERE]"
    assert mc.tellraws == [("Steve", {"text": "[Sapling] hi", "color": "green"})]
    assert (1, 1, 1) not in mc.world and mc.world[(0, 0, 0)] == "minecraft:stone"


@pytest.mark.parametrize("reply", ["x" * 4096, "ab" * 4096, "é" * 4096, "".join(chr(0x41 + i % 50) for i in range(10001))
                                   + "\u00e9\u2603" * 3000])
def test_multi_packet_replies_are_joined_exactly(fake_minecraft, reply):
    fake_minecraft.replies["help"] = reply
    with client(fake_minecraft) as rcon:
        assert rcon.command("help") == reply
        # Nothing of that exchange is left on the connection for the next command.
        assert rcon.command("setblock 0 0 0 stone") == "Changed the block at 0, 0, 0"


def test_command_over_the_limit_is_refused_before_sending(fake_minecraft):
    with client(fake_minecraft) as rcon:
        with pytest.raises(RconError, match="1446"):
            rcon.command("say " + "é" * 722)  # 4 + 1444 bytes
        assert fake_minecraft.commands == []
        longest = "say " + "x" * (MAX_COMMAND_BYTES - 4)
        assert rcon.command(longest).startswith("Unknown or incomplete command")  # sent and answered
        assert fake_minecraft.commands == [longest] and rcon.reconnects == 0


def test_fake_closes_on_an_oversized_packet_like_vanilla(fake_minecraft):
    with socket.create_connection(("127.0.0.1", fake_minecraft.port), timeout=5) as sock:
        sock.sendall(struct.pack("<iii", 12, 1, 3) + b"pw\0\0")
        assert struct.unpack("<iii", sock.recv(14)[:12]) == (10, 1, 2)
        body = b"setblock 0 0 0 stone " + b"x" * 1430
        sock.sendall(struct.pack("<iii", len(body) + 10, 2, 2) + body + b"\0\0")
        try:
            assert sock.recv(100) == b""  # closed, no reply
        except ConnectionResetError:
            pass  # closed with our bytes unread: a reset, as from vanilla
    assert fake_minecraft.world == {} and fake_minecraft.commands == []


def test_wrong_password_is_never_retried(fake_minecraft):
    rcon = client(fake_minecraft, password="wrong")
    with pytest.raises(RconAuthError, match="refused the password"):
        rcon.connect()
    with pytest.raises(RconAuthError):
        rcon.command("setblock 0 0 0 stone")
    assert fake_minecraft.connections == 2 and fake_minecraft.logins == 0 and fake_minecraft.commands == []
    assert issubclass(RconAuthError, SaplingError)


def test_password_changed_while_reconnecting_is_an_auth_error(fake_minecraft):
    with client(fake_minecraft) as rcon:
        fake_minecraft.password = "changed"
        fake_minecraft.drop_connections()
        with pytest.raises(RconAuthError):
            rcon.command("setblock 0 0 0 stone")
    assert fake_minecraft.connections == 2


def test_reconnects_after_a_drop_before_sending(fake_minecraft):
    with client(fake_minecraft) as rcon:
        fake_minecraft.drop_connections()  # the server restarts while the client is idle
        assert rcon.command("setblock 0 0 0 stone keep") == "Changed the block at 0, 0, 0"
        assert rcon.reconnects == 1 and fake_minecraft.logins == 2
    assert fake_minecraft.commands == ["setblock 0 0 0 stone keep"]


def test_drop_after_execution_reports_that_the_command_may_have_run(fake_minecraft):
    mc = fake_minecraft
    with client(mc) as rcon:
        rcon.command("setblock 5 5 5 dirt")
        mc.drop_after_commands(1)  # runs it, then closes the connection: the reply is lost
        with pytest.raises(RconConnectionLost) as lost:
            rcon.command("fill 0 0 0 2 0 0 oak_planks keep")
        assert lost.value.maybe_executed is True and rcon.reconnects == 1
        # The caller looks at the world before resending: it ran exactly once.
        assert rcon.command("execute if block 2 0 0 oak_planks") == "Test passed"
        assert rcon.command("fill 0 0 0 2 0 0 oak_planks keep") == "No blocks were filled"
    assert [c for c in mc.commands if c.startswith("fill")] == ["fill 0 0 0 2 0 0 oak_planks keep"] * 2
    assert sorted(mc.world) == [(0, 0, 0), (1, 0, 0), (2, 0, 0), (5, 5, 5)]


def test_drop_on_receipt_is_also_reported_as_maybe_executed(fake_minecraft):
    with client(fake_minecraft) as rcon:
        fake_minecraft.drop_after_commands(2, execute=False)
        rcon.command("setblock 0 0 0 stone")
        with pytest.raises(RconConnectionLost) as lost:
            rcon.command("setblock 1 0 0 stone")
        assert lost.value.maybe_executed is True
        assert rcon.command("execute if block 1 0 0 stone") == "Test failed"  # it had not run: resend
        assert rcon.command("setblock 1 0 0 stone keep") == "Changed the block at 1, 0, 0"
    assert set(fake_minecraft.world) == {(0, 0, 0), (1, 0, 0)}


def test_gives_up_after_retries_when_the_server_is_gone():
    mc = FakeMinecraft().start()
    rcon = client(mc, retries=3)
    rcon.connect()
    mc.stop()
    with pytest.raises(RconError, match="could not reconnect after 3 attempts") as err:
        rcon.command("setblock 0 0 0 stone")
    assert not isinstance(err.value, RconConnectionLost) and rcon.reconnects == 0
    with pytest.raises(RconError, match="cannot connect to RCON"):
        client(mc).connect()


def test_a_failed_reconnect_is_tried_again_on_the_next_command(fake_minecraft):
    """A client whose reconnect failed tries again on its next command."""
    mc = fake_minecraft
    rcon = client(mc, retries=1)
    rcon.connect()
    mc.password = "other"
    mc.drop_connections()
    with pytest.raises(RconAuthError):
        rcon.command("setblock 0 0 0 stone")
    mc.password = "pw"
    assert rcon.command("setblock 0 0 0 stone") == "Changed the block at 0, 0, 0"
    rcon.close()


def test_concurrent_commands_each_get_their_own_reply(fake_minecraft):
    results: dict[int, list[str]] = {}
    with client(fake_minecraft) as rcon:
        def work(t: int) -> None:
            results[t] = [rcon.command(f"setblock {t} {i} 0 stone") for i in range(20)]

        threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=30)
    for t in range(4):
        assert results[t] == [f"Changed the block at {t}, {i}, 0" for i in range(20)]
    assert len(fake_minecraft.world) == 80


def test_read_password(tmp_path, monkeypatch):
    monkeypatch.delenv("SAPLING_RCON_PASSWORD", raising=False)
    secret = tmp_path / "rcon.txt"
    secret.write_text("s3cret pass\n")
    assert read_password(str(secret)) == "s3cret pass"
    monkeypatch.setenv("SAPLING_RCON_PASSWORD", "from-env")
    assert read_password(None) == "from-env"
    assert read_password(str(secret)) == "s3cret pass"  # the file wins
    with pytest.raises(RconError, match="does not exist"):
        read_password(str(tmp_path / "missing.txt"))
    (tmp_path / "empty.txt").write_text("\n")
    with pytest.raises(RconError, match="is empty"):
        read_password(str(tmp_path / "empty.txt"))
    monkeypatch.delenv("SAPLING_RCON_PASSWORD")
    with pytest.raises(RconError, match="SAPLING_RCON_PASSWORD"):
        read_password(None)
