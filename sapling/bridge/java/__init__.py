"""The Java Edition bridge: chat in the server log -> a tree from ``sapling serve`` -> blocks via RCON.

``JavaBridge`` follows ``logs/latest.log`` for chat lines (``parse_chat_line``: the layouts of
vanilla, Paper and Fabric, ``[12:00:05] [Server thread/INFO]: <Steve> !tree birch tree``, and of
Forge and NeoForge, ``[05Mar2025 12:00:05.123] [Server thread/INFO]
[net.minecraft.server.MinecraftServer/]: <Steve> !tree birch tree``), resolves the speaker's
display name to an online player with ``list uuids`` (``sapling.bridge.identity``), has the
server prove who spoke where the ``--confirm`` policy asks for it (a ``tellraw`` button that runs
``/trigger`` on the bridge's own scoreboard objective, read back with ``scoreboard players get``),
finds the player with ``data get entity <uuid>``, asks the generation server for a tree with
streaming on and places each step's blocks as they arrive, a few blocks in front of the player at
their feet level. When the final structure arrives it is the truth: streamed blocks it lacks are
removed (only if still as placed), missing ones placed. Every command writes into air only; what
was placed goes into the undo journal, with the player's UUID. Allow-list, cooldown and undo go by
UUID.

The tree request itself is ``sapling.bridge.session.TreeRequest``, the state machine the
Bedrock session drives too; ``grow_tree`` carries out its actions over the server connection
and RCON. Runs on one thread: the log is polled between websocket messages, so ``!tree
cancel`` works while a tree grows, and confirmations are checked between chat lines. The bridge
changes no server setting: it only creates (once) and enables, per request, its own ``trigger``
objective. Never imports torch.

Modules: ``log`` (the server log: chat layouts, command echoes, ``LogFollower``), ``editor``
(``WorldEditor``: the world through RCON), ``grow`` (one tree, a preview, a forest: the requests
and what they place), ``bridge`` (``JavaBridge``: the chat loop, identity, cooldowns, undo).
"""

from sapling.bridge.java.bridge import BridgeSettings, JavaBridge
from sapling.bridge.java.editor import PlaceResult, WorldEditor
from sapling.bridge.java.grow import (
                                      JAVA,
                                      PLACE_ON_GROUND,
                                      ForestOutcome,
                                      grow_forest,
                                      grow_tree,
                                      new_seed,
                                      orient,
                                      run_preview,
                                      server_connection,
                                      stand,
                                      start_preview,
                                      undo_entries,
)
from sapling.bridge.java.log import (
                                      CHAT_MESSAGE,
                                      ECHO_ADVICE,
                                      LOG_LINE,
                                      LogFollower,
                                      is_command_echo,
                                      log_message,
                                      parse_chat,
                                      parse_chat_line,
)

__all__ = [
    "CHAT_MESSAGE", "ECHO_ADVICE", "JAVA", "LOG_LINE", "PLACE_ON_GROUND", "BridgeSettings", "ForestOutcome", "JavaBridge",
    "LogFollower", "PlaceResult", "WorldEditor", "grow_forest", "grow_tree", "is_command_echo", "log_message",
    "new_seed", "orient", "parse_chat", "parse_chat_line", "run_preview", "server_connection", "stand",
    "start_preview", "undo_entries",
]
