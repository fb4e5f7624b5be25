"""One progress helper for long work: a rich bar on stderr, a ``(done, total)`` callback, or nothing."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator, Optional, Union

# What long-running functions accept: True = a rich bar, False = silent, or a callback.
Progress = Union[bool, Callable[[int, int], None]]


@contextmanager
def progress_bar(progress: Progress, total: int, description: str) -> Iterator[Callable[[Optional[str]], None]]:
    """Yield ``advance(label=None)``: one unit done; ``label`` updates the bar's text."""
    if callable(progress):
        done = 0

        def advance(label: Optional[str] = None) -> None:
            nonlocal done
            done += 1
            progress(done, total)

        yield advance
    elif progress:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, TimeRemainingColumn

        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Bar(*columns, console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task(description, total=total)

            def advance(label: Optional[str] = None) -> None:
                bar.update(task, advance=1, **({"description": label} if label else {}))

            yield advance
    else:
        yield lambda label=None: None
