"""The reference receiver: the agent a commune's loudspeaker cluster runs (poll → verify → download → play → report).

It imports only :mod:`broadcast.protocol` from the server package, so a device can run it alone
(``python -m broadcast.receiver``) and other vendors can read it as the executable protocol reference.
See docs/receiver.md.
"""

from broadcast import __version__

SOFTWARE_VERSION = f"broadcast-receiver/{__version__}"
