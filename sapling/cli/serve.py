"""``sapling serve``: tree generation over a websocket (docs/protocol.md).

The request limits default to ``sapling.server.protocol.Limits`` (torch-free). The rest of
``ServerSettings`` lives in ``sapling.server.app``, which loads the model's code (torch): those
options default to None, the server's own default, and ``server_settings`` leaves them out.
"""

from pathlib import Path
from typing import Annotated, Optional

import typer

from sapling.cli.options import LOG_LEVEL, Checkpoint, Device, LogLevel, given, one_of, require_file
from sapling.errors import ServerConfigError
from sapling.server.protocol import Limits
from sapling.structure import SIZES

LIMITS = Limits()


def server_settings(host: Optional[str] = None, port: Optional[int] = None, token: Optional[str] = None,
                    limits: Optional[Limits] = None, batch_window_ms: Optional[float] = None,
                    max_batch: Optional[int] = None, shutdown_timeout: Optional[float] = None,
                    bedrock_trigger: Optional[str] = None, bedrock_max_size: Optional[str] = None):
    """The ``ServerSettings`` of the options given; one left out (None) keeps the server's default."""
    from sapling.server.app import ServerSettings

    if ((batch_window_ms is not None and batch_window_ms < 0) or (max_batch is not None and max_batch < 1)
            or (shutdown_timeout is not None and shutdown_timeout < 0)):
        raise ServerConfigError("--batch-window-ms and --shutdown-timeout must be >= 0, --max-batch >= 1")
    return ServerSettings(**given(
        host=host, port=port, token=token, limits=limits, max_batch=max_batch, shutdown_timeout=shutdown_timeout,
        batch_window=None if batch_window_ms is None else batch_window_ms / 1000,
        bedrock_trigger=None if bedrock_trigger is None else bedrock_trigger.strip(),
        bedrock_max_size=bedrock_max_size))


def serve(
    checkpoint: Checkpoint = None,
    host: Annotated[Optional[str], typer.Option(
        "--host", help="Address to bind (default: loopback); anything but loopback needs --token.")] = None,
    port: Annotated[Optional[int], typer.Option(
        "--port", help="TCP port (default: the server's, see docs/protocol.md; 0 picks a free one).")] = None,
    device: Device = None,
    token: Annotated[Optional[str], typer.Option(
        "--token", envvar="SAPLING_TOKEN",
        help="Clients must send it (Authorization: Bearer, or ?token=). Prefer the SAPLING_TOKEN variable: "
             "a flag value shows in the process list.")] = None,
    log_level: LogLevel = LOG_LEVEL,
    max_samples: Annotated[int, typer.Option("--max-samples", help="Trees per request.")] = LIMITS.max_samples,
    max_steps: Annotated[int, typer.Option("--max-steps", help="Sampling steps per request.")] = LIMITS.max_steps,
    max_prompt_chars: Annotated[int, typer.Option("--max-prompt-chars", help="Characters per prompt.")]
    = LIMITS.max_prompt_chars,
    max_message_bytes: Annotated[int, typer.Option(
        "--max-message-bytes", help="Bytes per websocket message, both ways.")] = LIMITS.max_message_bytes,
    max_queue: Annotated[int, typer.Option(
        "--max-queue", help="Requests waiting for the model; more are answered 'busy'.")] = LIMITS.max_queue,
    max_in_flight: Annotated[int, typer.Option(
        "--max-in-flight", help="Requests one connection may have waiting or running.")] = LIMITS.max_in_flight,
    batch_window_ms: Annotated[Optional[float], typer.Option(
        "--batch-window-ms", help="How long a request waits for others to share its forward pass "
                                  "(default: the server's).")] = None,
    max_batch: Annotated[Optional[int], typer.Option(
        "--max-batch", help="Trees per forward pass (default: the server's).")] = None,
    shutdown_timeout: Annotated[Optional[float], typer.Option(
        "--shutdown-timeout", help="Seconds SIGINT/SIGTERM lets running requests finish "
                                   "(default: the server's).")] = None,
    bedrock_trigger: Annotated[Optional[str], typer.Option(
        "--bedrock-trigger", help="Chat word of Bedrock players' commands (/connect HOST:PORT/bedrock; "
                                  "default: the server's).")] = None,
    bedrock_max_size: Annotated[Optional[str], typer.Option(
        "--bedrock-max-size", help=f"Largest size Bedrock players may ask for: {one_of(SIZES)} "
                                   "(default: the server's).")] = None,
) -> None:
    """Serve tree generation over a websocket (docs/protocol.md) to bridges and other clients."""
    import asyncio

    from sapling.bridge.bedrock import endpoints
    from sapling.generate import default_checkpoint
    from sapling.logs import configure_logging
    from sapling.server.app import SaplingServer, model_info, serve_forever

    configure_logging(log_level)
    limits = Limits(max_samples=max_samples, max_steps=max_steps, max_prompt_chars=max_prompt_chars,
                    max_message_bytes=max_message_bytes, max_queue=max_queue, max_in_flight=max_in_flight)
    settings = server_settings(host, port, token, limits, batch_window_ms, max_batch, shutdown_timeout,
                               bedrock_trigger, bedrock_max_size)
    settings.check()  # before the model loads: a refused setting costs nothing
    if checkpoint is not None:
        require_file(checkpoint)
    path: Path = checkpoint or default_checkpoint()
    from sapling.model.pipeline import TreePipeline  # torch: only once every flag is known good

    pipe = TreePipeline.from_checkpoint(path, **given(device=device))
    server = SaplingServer(pipe, settings, model_info(pipe, "default" if checkpoint is None else str(path)),
                           endpoints())
    try:
        asyncio.run(serve_forever(server))
    except OSError as exc:
        raise ServerConfigError(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}") from None
