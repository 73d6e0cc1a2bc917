"""``python -m broadcast.receiver``: the receiver commands without the server's CLI (for devices)."""

from broadcast.receiver.cli import receiver_app

if __name__ == "__main__":
    receiver_app(prog_name="broadcast-receiver")
