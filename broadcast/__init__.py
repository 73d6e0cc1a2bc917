"""broadcast: text-to-speech bulletins for commune loudspeaker systems."""

import os

# numpy's OpenBLAS would start a thread per core for every matrix product, and the audio filters
# (broadcast/audio/iir.py) make thousands of small ones: the threads spin and wait on each other, costing
# four to six times the CPU of one thread (0.9 s instead of 0.15 s for 5 minutes of high-pass), and on a
# two-core server they take the core the encoder, the engine or a request needs. Set before anything
# imports numpy; an explicit setting in the environment wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
