"""What every ``broadcast`` sub-command shares: failing with a message, and reading the settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # imported when first needed: pydantic-settings costs ~0.1 s, too much for ``--help``
    from broadcast.config import Settings


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on stderr; raise the result to exit non-zero."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def load_settings() -> Settings:
    """The settings, or exit 2 naming each invalid ``BROADCAST_*`` variable."""
    from pydantic import ValidationError

    from broadcast.config import Settings

    try:
        return Settings()
    except ValidationError as exc:
        lines = [f"BROADCAST_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()]
        raise fail("invalid settings:\n  " + "\n  ".join(lines), 2) from None
