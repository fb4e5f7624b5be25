"""Minecraft Bedrock Edition, natively in ``sapling serve``: the game-side session (no torch).

A player in a world with cheats on types ``/connect 127.0.0.1:8765/bedrock``; the game's
own websocket client connects to ``sapling serve``, which runs one ``BedrockSession``
for that connection. Over it the game speaks its websocket protocol (JSON messages with
``header.messagePurpose``): we ``subscribe`` to ``PlayerMessage`` events, send
``commandRequest`` messages (``body.commandLine``) and match each ``commandResponse`` (or
``error``) to its request by ``header.requestId``. The game refuses more than 100
commands awaiting an answer ("Too many commands have been requested", status
-2147418109), so ``CommandQueue`` keeps at most that many in flight and resends a refused
one after backing off.

``!tree <prompt>`` from a player's chat: find the player (``querytarget``: position, facing,
dimension), pick an anchor a few blocks in front of their feet, ask the server for a tree with
streaming on (``submit``, the same requests as docs/protocol.md), place blocks as steps arrive
(in the asking player's dimension: ``execute in <dimension> run ...``), then make the world
match the final structure: streamed blocks it lacks are removed only where our block is still
there (``execute ... if block ... run setblock ... air``), missing ones placed. Every block goes
in with ``setblock x y z <block> keep``, which writes into air only, so nothing a player built is
replaced. What was placed is journaled (one file per dimension); ``!tree undo`` removes the
player's newest tree in their dimension, only the blocks still as placed. Block text comes
from ``to_bedrock``/``bedrock_test`` of checked vocabulary states and chat replies are
``tellraw`` rawtext built with ``json.dumps``: no chat text ever becomes command syntax. One
tree (or undo) at a time per session; ``!tree cancel`` stops a tree, ``!tree help`` explains.

Modules: ``messages`` (packets, chat events, ``querytarget`` poses), ``queue`` (the command
window and its back-off), ``blocks`` (Java -> Bedrock block states), ``terrain`` (the ground
probe and the ground patch over the queue), ``forest`` (``!tree forest``), ``session`` (the
connection, the endpoint ``sapling serve`` mounts); the tree request itself is the state
machine both editions share, ``sapling.bridge.session``.
"""

from sapling.bridge.bedrock.blocks import NOT_PLACED, SELF_UPDATED_STATES, bedrock_test, table_header, to_bedrock
from sapling.bridge.bedrock.messages import (COMMAND_VERSION, DIMENSIONS, EYE_HEIGHT, PLAYER_NAME, Pose, anchor_for,
                                             chat_from_event, command_request, parse_packet, place_command,
                                             player_pose, rawtext, remove_command, subscribe_request, target)
from sapling.bridge.bedrock.queue import (BLOCK_IN_THE_WAY, MAX_AWAITING, NO_ANSWER, NOT_SENT, TOO_MANY_COMMANDS,
                                          CommandQueue, CommandResult)
from sapling.bridge.bedrock.session import (BEDROCK, BEDROCK_JOURNAL, BEDROCK_PATH, UNDO_REACH, BedrockSession,
                                            TreeResult, UndoResult, bedrock_endpoint, endpoints, journal_path)
from sapling.bridge.commands import ChatMessage, TreeCommand, help_text, parse_command
from sapling.errors import BedrockError

__all__ = ["BedrockSession", "bedrock_endpoint", "endpoints", "BedrockError", "CommandQueue", "CommandResult",
           "ChatMessage", "TreeCommand", "TreeResult", "Pose", "chat_from_event", "parse_command", "player_pose",
           "anchor_for", "rawtext", "help_text", "command_request", "subscribe_request", "BEDROCK_PATH", "MAX_AWAITING",
           "TOO_MANY_COMMANDS", "BEDROCK", "BLOCK_IN_THE_WAY", "COMMAND_VERSION", "EYE_HEIGHT", "NO_ANSWER", "NOT_SENT",
           "NOT_PLACED", "PLAYER_NAME", "parse_packet", "table_header", "target", "to_bedrock", "BEDROCK_JOURNAL",
           "DIMENSIONS", "SELF_UPDATED_STATES", "UNDO_REACH", "UndoResult", "bedrock_test", "journal_path",
           "place_command", "remove_command"]
