"""A tiny stand-in for a Piper voice, built with the ``onnx`` helper API, so tests need no download.

It has exactly a Piper VITS voice's interface (``input`` int64 [1, N], ``input_lengths`` int64 [1],
``scales`` float [3] → ``output`` float [1, 1, 1, T]): every phoneme id picks an amplitude from an
embedding table and becomes ``HOP`` samples of a tone, so the audio is a tone whose length follows the
text. Ids outside the table (a config that does not belong to the model) fail inside onnxruntime, like
a real mismatched voice.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

SAMPLE_RATE = 22050
HOP = 256
#: 10 cycles per HOP samples at 22,050 Hz: an 861 Hz tone, well inside a horn's band.
TONE_HZ = SAMPLE_RATE * 10 / HOP


def model_bytes(num_symbols: int = 256) -> bytes:
    import onnx
    from onnx import TensorProto, helper

    amplitudes = (0.3 + 0.5 * (np.arange(num_symbols) % 7) / 7).astype(np.float32)
    wave = np.sin(2 * np.pi * 10 * np.arange(HOP) / HOP).astype(np.float32).reshape(1, 1, HOP)
    initializers = [
        helper.make_tensor("embedding", TensorProto.FLOAT, [num_symbols], amplitudes),
        helper.make_tensor("wave", TensorProto.FLOAT, [1, 1, HOP], wave.ravel()),
        helper.make_tensor("axis2", TensorProto.INT64, [1], [2]),
        helper.make_tensor("one_index", TensorProto.INT64, [], [1]),
        helper.make_tensor("out_shape", TensorProto.INT64, [4], [1, 1, 1, -1]),
    ]
    nodes = [
        helper.make_node("Gather", ["embedding", "input"], ["amp"]),  # [1, N]
        helper.make_node("Unsqueeze", ["amp", "axis2"], ["amp3"]),  # [1, N, 1]
        helper.make_node("Mul", ["amp3", "wave"], ["frames"]),  # [1, N, HOP]
        helper.make_node("Gather", ["scales", "one_index"], ["length_scale"]),  # scalar
        helper.make_node("Cast", ["input_lengths"], ["lengths_f"], to=TensorProto.FLOAT),
        helper.make_node("Div", ["lengths_f", "lengths_f"], ["unit"]),  # [1] of 1.0
        helper.make_node("Mul", ["frames", "length_scale"], ["scaled"]),
        helper.make_node("Mul", ["scaled", "unit"], ["gained"]),
        helper.make_node("Reshape", ["gained", "out_shape"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny-piper",
        [
            helper.make_tensor_value_info("input", TensorProto.INT64, [1, "phonemes"]),
            helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
            helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
        ],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, 1, "time"])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="broadcast-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def config(sample_rate: int = SAMPLE_RATE) -> dict:
    from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP

    return {
        "audio": {"sample_rate": sample_rate, "quality": "x_low"},
        "espeak": {"voice": "vi"},
        "language": {"code": "vi_VN", "family": "vi", "region": "VN", "name_native": "Tiếng Việt"},
        "inference": {"noise_scale": 0.667, "length_scale": 1.0, "noise_w": 0.8},
        "phoneme_type": "espeak",
        "phoneme_id_map": DEFAULT_PHONEME_ID_MAP,
        "num_symbols": 256,
        "num_speakers": 1,
        "speaker_id_map": {},
        "piper_version": "1.0.0",
        "dataset": "tiny-test",
    }


def write_voice(directory: Path, stem: str = "vi_VN-tiny-x_low", num_symbols: int = 256) -> tuple[Path, Path]:
    """Write ``<stem>.onnx`` and ``<stem>.onnx.json`` into ``directory``; return both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    model = directory / f"{stem}.onnx"
    model.write_bytes(model_bytes(num_symbols))
    cfg = directory / f"{stem}.onnx.json"
    cfg.write_text(json.dumps(config(), ensure_ascii=False), encoding="utf-8")
    return model, cfg
