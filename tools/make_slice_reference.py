#!/usr/bin/python3
"""Writes tests/data/reference/slices.json: the loss terms of slices of the two
reference recordings, computed by nn4n's own RNNLoss on sliced arrays,
for `rnnloss compute --trials/--steps/--neurons` (test_cli `sliceReference`).

    NN4N_PATH=/path/to/nn4n /usr/bin/python3 tools/make_slice_reference.py \
        [tests/data/reference]

Needs Debian's python3-torch, python3-numpy and python3-h5py, and nn4n 1.2.0
(the folder that holds the `nn4n` package) in NN4N_PATH. For each selection
(trials tr, steps st, neurons ne, as the CLI's specs) nn4n's RNNLoss gets
pred = outputs[tr][:, st], label = targets[tr][:, st],
states = states[tr][:, st][..., ne], with the model's weights set to the
file's (whole matrices: the weight terms are never sliced). Each term is
computed alone with its lambda 1 (the value is then unweighted), and the total
with all seven lambdas 1 at once. Everything in float64. NaN (nn4n's sample SD
of one neuron) is written as null.
"""
import argparse
import json
import os
import sys

import h5py
import numpy as np

nn4n_path = os.environ.get("NN4N_PATH")
if not nn4n_path:
    sys.exit("set NN4N_PATH to the folder that holds the nn4n package")
sys.path.insert(0, nn4n_path)
import torch  # noqa: E402
from nn4n.criterion import RNNLoss  # noqa: E402
from nn4n.model import CTRNN  # noqa: E402

TERMS = ["mse", "in", "hid", "out", "fr", "fr_sd", "fr_cv"]

# (case, recording, weights file or None, [(trials, steps, neurons), ...]);
# None: the option is not given (the whole axis).
CASES = [
    ("visible_relu", "cases/visible_relu.h5", None, [
        ("0:2,4", "3:10", "1,5:9"),
        ("3", ":8", None),
        (None, "15", "0:12"),
        (None, None, "2,7"),
        ("1:", "0,4,8,12", "20:"),
        ("0:5", "0:16", "0:24"),
        (None, "6:", "11"),
    ]),
    ("visible_tanh_split", "cases/visible_tanh_split.h5", "cases/visible_tanh_split_weights.h5", [
        ("0,2", "5:15", ":20"),
        (None, None, "10:"),
        ("1:3", "19", None),
        ("3", None, "0,13,39"),
    ]),
]


def indices(spec, size):
    """The CLI's index spec: comma-separated indices and half-open ranges."""
    if spec is None:
        return list(range(size))
    out = []
    for item in spec.split(","):
        if ":" in item:
            a, b = item.split(":")
            out += range(int(a) if a else 0, int(b) if b else size)
        else:
            out.append(int(item))
    return sorted(out)


def weight(f, names):
    for n in names:
        if n in f:
            return np.asarray(f[n], dtype=np.float64)
    raise KeyError(names)


def model_for(w_in, w_hid, w_out):
    m = CTRNN(dims=[w_in.shape[1], w_hid.shape[0], w_out.shape[0]], suppress_warnings=True).double()
    with torch.no_grad():
        m.recurrent_layer.input_layer.weight.copy_(torch.from_numpy(w_in))
        m.recurrent_layer.hidden_layer.weight.copy_(torch.from_numpy(w_hid))
        m.readout_layer.weight.copy_(torch.from_numpy(w_out))
    return m


def number(x):
    x = float(x)
    return None if not np.isfinite(x) else x


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir", nargs="?", default="tests/data/reference")
    a = p.parse_args()
    torch.set_num_threads(1)
    out = {"generator": "tools/make_slice_reference.py", "convention": "nn4n",
           "lambdas": "each term alone with lambda 1; total with all seven lambdas 1",
           "slices": []}
    for case, rec, wfile, selections in CASES:
        with h5py.File(os.path.join(a.dir, rec), "r") as f:
            y = np.asarray(f["outputs"], dtype=np.float64)
            t = np.asarray(f["targets"], dtype=np.float64)
            r = np.asarray(f["states"], dtype=np.float64)
        with h5py.File(os.path.join(a.dir, wfile or rec), "r") as f:
            w_in = weight(f, ["weights/input", "recurrent_layer.input_layer.weight"])
            w_hid = weight(f, ["weights/hidden", "recurrent_layer.hidden_layer.weight"])
            w_out = weight(f, ["weights/readout", "readout_layer.weight"])
        model = model_for(w_in, w_hid, w_out)
        B, T, N = r.shape
        for trials, steps, neurons in selections:
            tr, st, ne = indices(trials, B), indices(steps, T), indices(neurons, N)
            pred = torch.from_numpy(y[tr][:, st])
            label = torch.from_numpy(t[tr][:, st])
            states = torch.from_numpy(r[tr][:, st][..., ne])
            terms = {}
            for k in TERMS:
                lam = {"lambda_" + j: 0.0 for j in TERMS}
                lam["lambda_" + k] = 1.0
                _, parts = RNNLoss(model, **lam)(pred, label, states=states)
                terms[k] = number(parts[0] if k == "mse" else parts[1])
            total, _ = RNNLoss(model, **{"lambda_" + j: 1.0 for j in TERMS})(pred, label, states=states)
            mean_rate = torch.mean(states, dim=(0, 1))
            out["slices"].append({
                "case": case, "recording": rec, "weights": wfile,
                "trials": trials, "steps": steps, "neurons": neurons,
                "count": {"trials": len(tr), "steps": len(st), "neurons": len(ne)},
                "terms": terms, "total": number(total),
                "mean_rate": [number(v) for v in mean_rate],
            })
    path = os.path.join(a.dir, "slices.json")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)
    print(f"wrote {path}: {len(out['slices'])} slices")


if __name__ == "__main__":
    main()
