#!/usr/bin/python3
"""Give the bundled example (resources/example.h5) the network objects that
`rnnloss grad` needs (docs/recording-format.md, "The network"), leaving every
dataset and attribute it has untouched.

The example was made by tools/train_example.py before recordings held biases,
and that training run is not reproduced bit for bit by PyTorch 1.13 here (the
weights come out different), so the biases of the network that produced it are
recovered from the recording itself, where the dynamics fix them:

- b_out: y_t = W_out r_t + b_out, so b_out is the mean of outputs - W_out r
  over every trial and step (its spread is float32 rounding);
- b_hid: where a neuron is active at steps t-1 and t (relu: v = r there),
  v_t = (1 - alpha) v_{t-1} + alpha (W_hid r_{t-1} + b_hid + W_in u_t) gives
  b_hid exactly; its mean over those samples;
- a neuron silent in every trial and step has a b_hid the recording does not
  determine: 0 (its value at initialisation) when that keeps it silent, else
  the largest value that does, less 0.01;
- b_in: the model has none (0, not written); init_state: zeros, as the model
  started (its `dynamics` attribute says v0 = 0).

It then re-simulates the network in float64 with the biases as stored
(float32) and prints the largest difference from the recorded states, which
must be at float32 rounding; otherwise it writes nothing.

    /usr/bin/python3 tools/example_network.py resources/example.h5
"""
import os
import re
import shutil
import sys

import h5py
import numpy as np


def milliseconds(value):
    text = value.decode() if isinstance(value, bytes) else str(value)
    m = re.fullmatch(r"\s*([0-9.eE+-]+)\s*(ms|s)?\s*", text)
    if not m:
        raise ValueError(f"not a duration: {text!r}")
    return float(m.group(1)) * (1000.0 if m.group(2) == "s" else 1.0)


def simulate(u, w_in, w_hid, b_hid, alpha):
    b, t, n = u.shape[0], u.shape[1], w_hid.shape[0]
    v = np.zeros((b, n))
    r = np.maximum(v, 0.0)
    out = []
    for i in range(t):
        v = (1 - alpha) * v + alpha * (r @ w_hid.T + b_hid + u[:, i] @ w_in.T)
        r = np.maximum(v, 0.0)
        out.append(r)
    return np.stack(out, axis=1)


def recover(f):
    f64 = np.float64
    u, r, y = (f[k][()].astype(f64) for k in ("inputs", "states", "outputs"))
    w_in, w_hid, w_out = (f["weights/" + k][()].astype(f64) for k in ("input", "hidden", "readout"))
    alpha = milliseconds(f.attrs["dt"]) / milliseconds(f.attrs["tau"])
    b_out = (y - r @ w_out.T).reshape(-1, y.shape[2]).mean(axis=0)

    steps = r.shape[1]
    r_prev = np.concatenate([np.zeros_like(r[:, :1]), r[:, :-1]], axis=1)
    drive = r_prev @ w_hid.T + u @ w_in.T
    first = (np.arange(steps) == 0)[None, :, None]
    known = (r > 0) & ((r_prev > 0) | first)
    estimate = (r - (1 - alpha) * r_prev) / alpha - drive
    b_hid = np.zeros(w_hid.shape[0])
    spread = 0.0
    # The largest bias that keeps each neuron's v at or below 0 at every step.
    d = np.zeros_like(r[:, 0])
    bound = np.full(w_hid.shape[0], np.inf)
    for t in range(steps):
        d = (1 - alpha) * d + alpha * drive[:, t]
        bound = np.minimum(bound, (-d / (1 - (1 - alpha) ** (t + 1))).min(axis=0))
    silent = []
    for n in range(w_hid.shape[0]):
        samples = estimate[..., n][known[..., n]]
        if samples.size:
            b_hid[n] = samples.mean()
            spread = max(spread, samples.std())
        else:
            b_hid[n] = 0.0 if bound[n] >= 0 else bound[n] - 0.01
            silent.append(n)
    b_hid, b_out = b_hid.astype(np.float32), b_out.astype(np.float32)
    replay = np.abs(simulate(u, w_in, w_hid, b_hid.astype(f64), alpha) - r).max()
    return b_hid, b_out, spread, silent, replay, float(np.abs(r).max())


def main():
    if len(sys.argv) != 2:
        print(__doc__.split("\n\n")[-1].strip(), file=sys.stderr)
        return 2
    path = sys.argv[1]
    with h5py.File(path, "r") as f:
        if "biases" in f or "init_state" in f:
            print(f"{path} already holds a network; nothing done", file=sys.stderr)
            return 2
        b_hid, b_out, spread, silent, replay, max_rate = recover(f)
        n_hid = f["weights/hidden"].shape[0]
    print(f"b_out = {b_out}; b_hid: spread of the estimates at most {spread:.3g}; "
          f"{len(silent)} silent neurons {silent}")
    print(f"re-simulated states differ from the recorded ones by up to {replay:.3g} "
          f"(max |r| {max_rate:.3g})")
    if replay > 1e-5 * max_rate:
        print("not at float32 rounding: nothing written", file=sys.stderr)
        return 1
    tmp = path + ".tmp"
    shutil.copyfile(path, tmp)
    with h5py.File(tmp, "r+") as f:
        g = f.create_group("biases")
        g.create_dataset("hidden", data=b_hid)
        g.create_dataset("readout", data=b_out)
        f.create_dataset("init_state", data=np.zeros(n_hid, np.float32))
        f.attrs["network"] = np.bytes_(
            "biases recovered from the recording by tools/example_network.py (b_out from "
            "outputs - W_out r; b_hid from the steps where a neuron is active twice in a row; "
            f"silent neurons {silent}: 0, or the largest value keeping them silent less 0.01)")
    os.replace(tmp, path)
    print(f"wrote biases/hidden, biases/readout and init_state into {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
