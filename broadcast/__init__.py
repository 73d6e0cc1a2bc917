"""broadcast: text-to-speech bulletins for commune loudspeaker systems."""

__version__ = "0.1.0"
