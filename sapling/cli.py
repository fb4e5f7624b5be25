"""The Typer app (being built by the foundation issue)."""
import typer

app = typer.Typer()


def main() -> None:
    app()
