"""Peak resident memory of one ``broadcast`` command, read inside the command's own process.

Shared by tests/audio/test_long_text_memory.py and bench/memory_bench.py. The peak is ``VmHWM`` from
/proc/self/status, read by the child right before it exits, not ``getrusage(...).ru_maxrss``: Linux keeps
ru_maxrss across exec, so a child spawned by a large process (pytest late in a full run, 425 MB) starts with
its parent's resident size as its "peak", and RUSAGE_CHILDREN reports the largest child of all. VmHWM
belongs to the address space the child's exec created, so it is the command's own peak.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: Runs ``broadcast <args>`` (argv[2:]) in this interpreter and writes its VmHWM in kB to argv[1].
_MEASURE = """
import sys
from broadcast.cli import app
peak_file, sys.argv = sys.argv[1], ["broadcast", *sys.argv[2:]]
try:
    app(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
else:
    code = 0
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
open(peak_file, "w").write(hwm.split()[1])
sys.exit(code)
"""


@dataclass(frozen=True)
class Measured:
    """A finished command: exit status, its output, and its own peak resident memory."""

    returncode: int
    stdout: str
    stderr: str
    peak_mb: float


def run_broadcast(args: list[str], env: dict[str, str], timeout: float) -> Measured:
    """Run ``broadcast <args>`` as a child process and return how it ended and its peak RSS in MB.

    Raises RuntimeError when the child died before reporting its peak (killed, or crashed in the wrapper)."""
    with tempfile.TemporaryDirectory(prefix="peak-memory-") as tmp:
        peak_file = Path(tmp) / "vmhwm_kb"
        result = subprocess.run(
            [sys.executable, "-c", _MEASURE, str(peak_file), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
        )
        try:
            peak_kb = int(peak_file.read_text())
        except (FileNotFoundError, ValueError) as exc:
            raise RuntimeError(
                f"`broadcast {' '.join(args)}` exited {result.returncode} without reporting its "
                f"peak memory: {result.stderr[-1500:]}"
            ) from exc
    return Measured(result.returncode, result.stdout, result.stderr, peak_kb / 1024)
