"""Why audio was refused: kept apart so the API and web app import it without the audio stack."""

from __future__ import annotations


class AudioRejected(ValueError):
    """An uploaded recording was refused. ``status_code`` is the HTTP status to answer with."""

    def __init__(self, message: str, message_vi: str, *, status_code: int = 422, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.message_vi = message_vi
        self.status_code = status_code
        self.code = code
