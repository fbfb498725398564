"""Times Norse's own LI functions on the anchor workloads, on this machine, for bench-norse.ts.

Prints one JSON object per line: {"workload", "seconds", "neuron_steps_per_s", "threads", ...}.
The loops are Norse's: li_feed_forward_step / li_step called once per time step under no_grad, as
a Norse user would run an LI layer over a sequence. Inputs are made like @leaky/bench's (currents
in [-1, 1), spikes with probability p); values do not change the speed of these dense kernels.
"""
import json
import sys
import time

import torch
import torch.utils._pytree as pytree

# Norse 1.1.0 imports torch 2's register_pytree_node; Debian's torch 1.13 has the same function
# under its private name. Only Norse's import needs it: the LI functions are plain tensor code.
if not hasattr(pytree, "register_pytree_node"):
    pytree.register_pytree_node = lambda cls, flatten, unflatten, **_: pytree._register_pytree_node(
        cls, flatten, unflatten
    )

from norse.torch.functional.leaky_integrator import (  # noqa: E402
    LIParameters,
    LIState,
    li_feed_forward_step,
    li_step,
)

WORKLOADS = {
    "ff-1e3": dict(T=1000, B=1, inputs=1000, N=1000, weighted=False),
    "ff-1e5": dict(T=1000, B=1, inputs=100_000, N=100_000, weighted=False),
    "ff-1e6": dict(T=200, B=1, inputs=1_000_000, N=1_000_000, weighted=False),
    "weighted-256": dict(T=500, B=64, inputs=256, N=256, weighted=True, p=0.1),
    "weighted-1024": dict(T=200, B=256, inputs=1024, N=1024, weighted=True),
}


def run(name, threads, repetitions):
    w = WORKLOADS[name]
    torch.manual_seed(0)
    T, B, K, N = w["T"], w["B"], w["inputs"], w["N"]
    shape = (T, B, K) if w["weighted"] else (T, K)
    if "p" in w:
        x = (torch.rand(shape) < w["p"]).float()
    else:
        x = torch.rand(shape) * 2 - 1
    p = LIParameters()
    state_shape = (B, N) if w["weighted"] else (N,)
    weights = (torch.rand(N, K) - 0.5) * 0.2 if w["weighted"] else None

    def sequence():
        s = LIState(v=torch.zeros(state_shape), i=torch.zeros(state_shape))
        out = torch.empty((T, *state_shape))
        for t in range(T):
            if weights is None:
                v, s = li_feed_forward_step(x[t], s, p)
            else:
                v, s = li_step(x[t], s, weights, p)
            out[t] = v
        return out

    with torch.no_grad():
        sequence()  # warm-up
        times = []
        for _ in range(repetitions):
            t0 = time.perf_counter()
            sequence()
            times.append(time.perf_counter() - t0)
    times.sort()
    median = times[len(times) // 2]
    return {
        "workload": name,
        "threads": threads,
        "seconds": median,
        "repetitions": repetitions,
        "neuron_steps_per_s": T * B * N / median,
    }


def step_latency(threads):
    N = 1000
    p = LIParameters()
    x = torch.rand(N)
    s = LIState(v=torch.zeros(N), i=torch.zeros(N))
    with torch.no_grad():
        for _ in range(2000):
            _, s = li_feed_forward_step(x, s, p)
        t0 = time.perf_counter()
        for _ in range(20000):
            _, s = li_feed_forward_step(x, s, p)
        seconds = (time.perf_counter() - t0) / 20000
    return {"workload": "step-1e3", "threads": threads, "seconds_per_step": seconds}


def matmul_gflops():
    a = torch.rand(1024, 1024)
    a @ a
    t0 = time.perf_counter()
    for _ in range(10):
        a @ a
    return 10 * 2 * 1024**3 / (time.perf_counter() - t0) / 1e9


if __name__ == "__main__":
    threads = int(sys.argv[1])
    names = sys.argv[2:] or list(WORKLOADS) + ["step-1e3"]
    torch.set_num_threads(threads)
    print(json.dumps({"torch": torch.__version__, "threads": threads, "matmul_1024_gflops": matmul_gflops(),
                      "blas": torch.__config__.show().count("BLAS")}), flush=True)
    for name in names:
        if name == "step-1e3":
            print(json.dumps(step_latency(threads)), flush=True)
        else:
            big = WORKLOADS[name]["T"] * WORKLOADS[name]["N"] * WORKLOADS[name]["B"] >= 5e7
            print(json.dumps(run(name, threads, 1 if big else 3)), flush=True)
