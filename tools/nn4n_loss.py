#!/usr/bin/python3
"""What users run today, for the goal ratio of docs/performance.md: h5py reads
outputs, targets and states of a recording, nn4n's RNNLoss computes every term
(PyTorch CPU, 2 threads). Prints the total and, with --reps R, the median
time of read + loss over R runs inside one process (Python's start and the
import of torch, about a second, left out). With --serve (what `rnnloss bench
--versus-nn4n` runs, to interleave it with rnnloss compute): after one run,
answers each line read on stdin with the milliseconds of one more run.

    NN4N_PATH=/path/to/nn4n /usr/bin/python3 tools/nn4n_loss.py REC.h5 [--reps R | --serve]
"""
import os
import statistics
import sys
import time

import h5py
import numpy as np

sys.path.insert(0, os.environ["NN4N_PATH"])
import torch  # noqa: E402
from nn4n.criterion import RNNLoss  # noqa: E402
from nn4n.model import CTRNN  # noqa: E402

torch.set_num_threads(2)


def once(path):
    with h5py.File(path, "r") as f:
        y = torch.from_numpy(np.asarray(f["outputs"]))
        t = torch.from_numpy(np.asarray(f["targets"]))
        r = torch.from_numpy(np.asarray(f["states"]))
        w_in, w_hid, w_out = (torch.from_numpy(np.asarray(f[k])) for k in
                              ("weights/input", "weights/hidden", "weights/readout"))
    model = CTRNN(dims=[w_in.shape[1], w_hid.shape[0], w_out.shape[0]], suppress_warnings=True)
    with torch.no_grad():
        model.recurrent_layer.input_layer.weight.copy_(w_in)
        model.recurrent_layer.hidden_layer.weight.copy_(w_hid)
        model.readout_layer.weight.copy_(w_out)
        lam = {k: 1.0 for k in ("lambda_mse", "lambda_in", "lambda_hid", "lambda_out",
                                "lambda_fr", "lambda_fr_sd", "lambda_fr_cv")}
        total, _ = RNNLoss(model, **lam)(y, t, states=r)
    return float(total)


reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else 0
if "--serve" in sys.argv:
    once(sys.argv[1])
    for _ in sys.stdin:
        a = time.perf_counter()
        once(sys.argv[1])
        print(f"{(time.perf_counter() - a) * 1e3:.3f}", flush=True)
    sys.exit(0)
print(once(sys.argv[1]))
if reps:
    times = []
    for _ in range(reps):
        a = time.perf_counter()
        once(sys.argv[1])
        times.append(time.perf_counter() - a)
    print(f"read + RNNLoss: median {statistics.median(times) * 1e3:.1f} ms over {reps} runs "
          f"(min {min(times) * 1e3:.1f} ms)")
