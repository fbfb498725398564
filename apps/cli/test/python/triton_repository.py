"""Checks a model repository written by `leaky export --triton`: config.pbtxt parses into Triton's own
ModelConfig protobuf (tritonclient's model_config_pb2) with the sequence batcher and implicit state
as intended, and the ONNX model, run in onnxruntime with the state wired as Triton wires it (each
state output fed back as the next request's state input, starting from the configured initial state),
gives core's simulate for every sequence of a batch.

usage: python triton_repository.py MODEL_DIR CASE.json
"""

import json
import os
import sys

import numpy as np
import onnxruntime as ort
from google.protobuf import text_format
from tritonclient.grpc import model_config_pb2 as mc

model_dir, case_path = sys.argv[1:3]
with open(case_path) as f:
    case = json.load(f)
N, M = case["neurons"], case["inputs"]

with open(os.path.join(model_dir, "config.pbtxt")) as f:
    config = text_format.Parse(f.read(), mc.ModelConfig())

assert config.name == case["name"], config.name
assert config.backend == "onnxruntime", config.backend
assert config.max_batch_size == case["maxBatchSize"], config.max_batch_size
assert [(i.name, i.data_type, list(i.dims)) for i in config.input] == [("x", mc.TYPE_FP32, [M])]
assert [(o.name, o.data_type, list(o.dims)) for o in config.output] == [("v_new", mc.TYPE_FP32, [N])]
assert config.WhichOneof("scheduling_choice") == "sequence_batching"
seq = config.sequence_batching
assert seq.WhichOneof("strategy_choice") == "oldest"
assert seq.oldest.max_queue_delay_microseconds > 0
assert seq.max_sequence_idle_microseconds > 0
states = {(s.input_name, s.output_name): s for s in seq.state}
assert set(states) == {("v", "v_new"), ("i", "i_new")}, set(states)


def initial(state):
    assert state.data_type == mc.TYPE_FP32 and list(state.dims) == [N]
    (init,) = state.initial_state
    assert init.data_type == mc.TYPE_FP32 and list(init.dims) == [N]
    kind = init.WhichOneof("state_data")
    if kind == "zero_data":
        assert init.zero_data
        return np.zeros(N, np.float32), kind
    data = np.fromfile(os.path.join(model_dir, "initial_state", init.data_file), dtype="<f4")
    assert data.shape == (N,), data.shape
    return data, kind


v0, v_kind = initial(states[("v", "v_new")])
i0, i_kind = initial(states[("i", "i_new")])
assert i_kind == "zero_data"
assert v_kind == case["vInitial"], (v_kind, case["vInitial"])
assert np.array_equal(v0, np.asarray(case["vLeak"], np.float32)), "initial v is not vLeak"

# Triton's onnxruntime backend: batch dim first, one row per sequence, state carried between calls.
session = ort.InferenceSession(os.path.join(model_dir, "1", "model.onnx"), providers=["CPUExecutionProvider"])
names = {i.name for i in session.get_inputs()}
assert names == {"x", "v", "i"}, names
B, T = len(case["sequences"]), case["steps"]
xs = np.asarray([s["x"] for s in case["sequences"]], np.float32).reshape(B, T, M)
v, i = np.tile(v0, (B, 1)), np.tile(i0, (B, 1))
out = np.empty((B, T, N), np.float32)
for t in range(T):
    v, i = session.run(["v_new", "i_new"], {"x": xs[:, t, :], "v": v, "i": i})
    out[:, t, :] = v
worst = 0.0
for b, s in enumerate(case["sequences"]):
    want = np.asarray(s["expected"], np.float32).reshape(T, N)
    worst = max(worst, float(np.max(np.abs(out[b] - want)) / max(1.0, float(np.max(np.abs(want))))))
assert worst <= 1e-5, f"the ONNX model with Triton's state wiring differs from simulate by {worst}"
print(json.dumps({"sequences": B, "steps": T, "initial_v": v_kind, "worst": worst}))
