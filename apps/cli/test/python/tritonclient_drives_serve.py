"""Triton's own HTTP client (tritonclient[http]) drives `leaky serve`: health, metadata, then streams
fed a few steps per request, interleaved, in JSON and in binary. Each stream's voltages, concatenated,
must equal core's simulate on the stream's whole input (computed by the test, passed in a JSON file).

usage: python tritonclient_drives_serve.py HOST:PORT MODEL CASES.json
"""

import json
import sys

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

url, model, cases_path = sys.argv[1:4]
with open(cases_path) as f:
    cases = json.load(f)
neurons, inputs = cases["neurons"], cases["inputs"]

client = httpclient.InferenceServerClient(url=url)
assert client.is_server_live(), "server not live"
assert client.is_server_ready(), "server not ready"
assert client.is_model_ready(model), "model not ready"
meta = client.get_model_metadata(model)
assert meta["name"] == model, meta
assert meta["inputs"] == [{"name": "x", "datatype": "FP32", "shape": [-1, inputs]}], meta
assert meta["outputs"] == [{"name": "v_new", "datatype": "FP32", "shape": [-1, neurons]}], meta
server_meta = client.get_server_metadata()
assert "sequence" in server_meta["extensions"], server_meta


def infer(stream, chunk, k, last, binary):
    x = np.asarray(chunk, dtype=np.float32).reshape(-1, inputs)
    tensor = httpclient.InferInput("x", list(x.shape), "FP32")
    tensor.set_data_from_numpy(x, binary_data=binary)
    result = client.infer(
        model,
        [tensor],
        outputs=[httpclient.InferRequestedOutput("v_new", binary_data=binary)],
        sequence_id=stream["id"],
        sequence_start=k == 0,
        sequence_end=last,
    )
    v = result.as_numpy("v_new")
    assert v.dtype == np.float32 and v.shape == (x.shape[0], neurons), (v.dtype, v.shape)
    return v


# Round robin: request k of every stream before request k + 1 of any, so the streams interleave.
outputs = {s["id"]: [] for s in cases["streams"]}
rounds = max(len(s["chunks"]) for s in cases["streams"])
for k in range(rounds):
    for n, stream in enumerate(cases["streams"]):
        if k < len(stream["chunks"]):
            last = k == len(stream["chunks"]) - 1
            outputs[stream["id"]].append(infer(stream, stream["chunks"][k], k, last, binary=(k + n) % 2 == 0))

worst = 0.0
for stream in cases["streams"]:
    got = np.concatenate(outputs[stream["id"]]).reshape(-1)
    want = np.asarray(stream["expected"], dtype=np.float32)
    assert got.shape == want.shape, (got.shape, want.shape)
    worst = max(worst, float(np.max(np.abs(got - want)) / max(1.0, float(np.max(np.abs(want))))))
assert worst <= cases["tolerance"], f"streamed voltages differ from simulate by {worst}"

# The stream ended with its last request: Triton's client sees the server's 400 and its message.
try:
    infer(cases["streams"][0], cases["streams"][0]["chunks"][0], 1, False, binary=True)
    raise AssertionError("a request on an ended sequence was accepted")
except InferenceServerException as e:
    assert e.status() == "400", e.status()
    assert "not live" in e.message(), e.message()

print(json.dumps({"streams": len(cases["streams"]), "requests": sum(len(s["chunks"]) for s in cases["streams"]), "worst": worst}))
