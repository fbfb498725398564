"""NIR's reference library (nir.read / nir.write) and native HDF5 (h5py) on leaky's .nir files.

  python nir_tools.py read DIR     nir.read every DIR/*.nir (leaky wrote them); prints one JSON
                                   object: file -> the graph as nir holds it (types, every array
                                   parameter's dtype, shape and bytes in hex, edges, nesting)
  python nir_tools.py write DIR    nir.write a set of graphs to DIR/NAME.nir, with DIR/NAME.xs.npy
                                   (an input) and DIR/NAME.expected.npy: the last layer's voltages by
                                   an independent float32 reference of leaky's documented convention
                                   (packages/interop/src/nir/convert.ts); DIR/manifest.json lists them
  python nir_tools.py hdf5 FILE    reads every dataset of FILE with native HDF5; prints
                                   {"status": "read", "datasets": {path: {dtype, shape, hex|text}}}
                                   or {"status": "refused", "error": ...}
"""
import json
import os
import sys

import numpy as np

f32 = np.float32


def array_json(value):
    a = np.asarray(value)
    return {"dtype": a.dtype.str, "shape": list(a.shape), "hex": a.tobytes().hex()}


def graph_json(graph):
    nodes = {}
    for name, node in graph.nodes.items():
        kind = type(node).__name__
        if kind == "NIRGraph":
            nodes[name] = {"type": kind, "graph": graph_json(node)}
            continue
        params = {}
        for key, value in vars(node).items():
            if isinstance(value, dict):  # Input/Output types, metadata
                for k, v in value.items():
                    if isinstance(v, np.ndarray):
                        params[f"{key}.{k}"] = array_json(v)
            elif isinstance(value, (np.ndarray, float, int)) and not isinstance(value, bool):
                params[key] = array_json(value)
        nodes[name] = {"type": kind, "params": params}
    return {"nodes": nodes, "edges": [list(e) for e in graph.edges]}


def read(folder):
    import nir

    out = {}
    for entry in sorted(os.listdir(folder)):
        if entry.endswith(".nir"):
            out[entry] = graph_json(nir.read(os.path.join(folder, entry)))
    print(json.dumps(out))


# --- the independent reference: forward Euler in float32, as convert.ts documents it ---


def reference(layers, xs, dt):
    """layers: dicts with kind 'CubaLI' | 'LI', optional W [N, M] and b [N], and the node's params."""
    x = xs.astype(f32)
    for layer in layers:
        W, b = layer.get("W"), layer.get("b")
        proj = x if W is None else (x @ W.T.astype(f32)).astype(f32)
        if b is not None:
            proj = (proj + b.astype(f32)).astype(f32)
        n = proj.shape[-1]
        full = lambda k: np.broadcast_to(np.asarray(layer[k], np.float64), (n,))
        v_leak = full("v_leak").astype(f32)
        T = x.shape[0]
        v = np.broadcast_to(v_leak, proj.shape[1:]).astype(f32).copy()
        out = np.empty(proj.shape, f32)
        if layer["kind"] == "LI":
            a = f32(dt) * (1 / full("tau")).astype(f32)
            drive = (full("r").astype(f32) * proj).astype(f32)
            for t in range(T):
                v = (v + a * ((v_leak - v) + drive[t])).astype(f32)
                out[t] = v
        else:
            gain = (full("r") * full("w_in") * dt / full("tau_syn")).astype(f32)
            a = f32(dt) * (1 / full("tau_mem")).astype(f32)
            s = f32(dt) * (1 / full("tau_syn")).astype(f32)
            i = np.zeros(proj.shape[1:], f32)
            for t in range(T):
                j = (i + gain * proj[t]).astype(f32)
                v = (v + a * ((v_leak - v) + j)).astype(f32)
                i = (j - s * j).astype(f32)
                out[t] = v
        x = out
    return x


def graphs(rng):
    import nir

    def cubali(n, scalar=False, **over):
        p = dict(
            tau_syn=rng.uniform(2e-3, 8e-3, n), tau_mem=rng.uniform(5e-3, 2e-2, n),
            r=rng.uniform(0.5, 2.0, n), v_leak=rng.uniform(-0.5, 0.5, n), w_in=rng.uniform(0.5, 3.0, n),
        )
        if scalar:
            p = {k: np.array(v[0]) for k, v in p.items()}
        p.update(over)
        return p

    def li(n):
        return dict(tau=rng.uniform(5e-3, 2e-2, n), r=rng.uniform(0.5, 2.0, n), v_leak=rng.uniform(-0.5, 0.5, n))

    W = lambda n, m: rng.standard_normal((n, m)).astype(f32)
    io = lambda n, m: (nir.Input({"input": np.array([n])}), nir.Output({"output": np.array([m])}))

    # Affine → CubaLI (per neuron) → Linear → CubaLI: a two-layer chain, gzip (nir.write's default).
    p1, p2, w1, b1, w2 = cubali(4), cubali(2), W(4, 3), np.zeros(4, f32), W(2, 4)
    i, o = io(3, 2)
    yield "chain_gzip", dict(compression="gzip"), nir.NIRGraph(
        nodes={"input": i, "fc1": nir.Affine(w1, b1), "l1": nir.CubaLI(**p1), "fc2": nir.Linear(w2),
               "l2": nir.CubaLI(**p2), "output": o},
        edges=[("input", "fc1"), ("fc1", "l1"), ("l1", "fc2"), ("fc2", "l2"), ("l2", "output")]), [
        dict(kind="CubaLI", W=w1, b=b1, **p1), dict(kind="CubaLI", W=w2, **p2)], 3

    # Linear → LI (the box integrator), uncompressed.
    p, w = li(3), W(3, 3)
    i, o = io(3, 3)
    yield "linear_li", dict(compression=None), nir.NIRGraph(
        nodes={"input": i, "fc": nir.Linear(w), "li": nir.LI(**p), "output": o},
        edges=[("input", "fc"), ("fc", "li"), ("li", "output")]), [dict(kind="LI", W=w, **p)], 3

    # Affine with a non-zero bias.
    p, w, b = cubali(3), W(3, 2), rng.standard_normal(3).astype(f32)
    i, o = io(2, 3)
    yield "affine_bias", dict(compression=None), nir.NIRGraph(
        nodes={"input": i, "fc": nir.Affine(w, b), "l": nir.CubaLI(**p), "output": o},
        edges=[("input", "fc"), ("fc", "l"), ("l", "output")]), [dict(kind="CubaLI", W=w, b=b, **p)], 2

    # 0-d parameters: one value for the whole layer (nir.write cannot gzip a 0-d dataset).
    p, w = cubali(5, scalar=True), W(5, 3)
    pl = li(5)
    pl = {k: np.array(v[0]) for k, v in pl.items()}
    i, o = io(3, 5)
    yield "scalar_params", dict(compression=None), nir.NIRGraph(
        nodes={"input": i, "fc": nir.Affine(w, np.zeros(5, f32)), "l": nir.CubaLI(**p), "box": nir.LI(**pl),
               "output": o},
        edges=[("input", "fc"), ("fc", "l"), ("l", "box"), ("box", "output")], type_check=False), [
        dict(kind="CubaLI", W=w, **p), dict(kind="LI", **pl)], 3

    # No weights: the input feeds the CubaLI one to one (the gain becomes a diagonal).
    p = cubali(4)
    i, o = io(4, 4)
    yield "no_weights", dict(compression="gzip"), nir.NIRGraph(
        nodes={"input": i, "l": nir.CubaLI(**p), "output": o},
        edges=[("input", "l"), ("l", "output")]), [dict(kind="CubaLI", **p)], 4

    # A nested subgraph (Input → Affine → CubaLI → Output inside); edges name the subgraph itself.
    p1, w1, p2, w2 = cubali(3), W(3, 2), li(2), W(2, 3)
    si, so = io(2, 3)
    sub = nir.NIRGraph(
        nodes={"input": si, "fc": nir.Affine(w1, np.zeros(3, f32)), "l": nir.CubaLI(**p1), "output": so},
        edges=[("input", "fc"), ("fc", "l"), ("l", "output")])
    i, o = io(2, 2)
    yield "nested", dict(compression="gzip"), nir.NIRGraph(
        nodes={"input": i, "sub": sub, "fc2": nir.Linear(w2), "box": nir.LI(**p2), "output": o},
        edges=[("input", "sub"), ("sub", "fc2"), ("fc2", "box"), ("box", "output")]), [dict(kind="CubaLI", W=w1, **p1), dict(kind="LI", W=w2, **p2)], 2


def write(folder):
    import nir

    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(2024)
    dt = 1e-3
    manifest = []
    for name, options, graph, layers, inputs in graphs(rng):
        nir.write(os.path.join(folder, f"{name}.nir"), graph, **options)
        xs = rng.uniform(-1, 2, (50, 2, inputs)).astype(f32)  # [T, batch, inputs]
        np.save(os.path.join(folder, f"{name}.xs.npy"), xs)
        np.save(os.path.join(folder, f"{name}.expected.npy"), reference(layers, xs, dt))
        manifest.append({"name": name, "dt": dt, "layers": len(layers)})
    json.dump(manifest, open(os.path.join(folder, "manifest.json"), "w"))


def hdf5(path):
    import h5py

    datasets = {}
    try:
        with h5py.File(path, "r") as f:
            def visit(name, obj):
                if isinstance(obj, h5py.Dataset):
                    value = obj[()]
                    if obj.dtype.kind in "OSU":
                        flat = np.asarray(value, dtype=object).reshape(-1)
                        datasets[name] = {"shape": list(obj.shape), "text": [
                            v.decode() if isinstance(v, bytes) else str(v) for v in flat]}
                    else:
                        datasets[name] = array_json(value)
            f.visititems(visit)
    except Exception as error:  # noqa: BLE001 (any failure is the verdict)
        print(json.dumps({"status": "refused", "error": f"{type(error).__name__}: {error}"}))
        return
    print(json.dumps({"status": "read", "datasets": datasets}))


if __name__ == "__main__":
    {"read": read, "write": write, "hdf5": hdf5}[sys.argv[1]](sys.argv[2])
