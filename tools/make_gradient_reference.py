#!/usr/bin/env python3
"""Regenerate tests/data/gradient/reference.json from nn4n and PyTorch autograd.

For a few small networks, builds nn4n's own CTRNN (its classes, float64),
runs it forward without noise on fixed inputs, computes each of the seven
loss terms alone, in both conventions, on the case's slice:

  nn4n  the term as nn4n's RNNLoss computes it (its _loss_* methods; the mse
        as its forward: torch.square(pred - label).mean());
  spec  the formulas of nn4n's criterion documentation (docs/loss.md) in torch;

and takes each term's gradient with respect to the six parameters with
torch.autograd.grad. It writes the network, inputs, targets, nn4n's states and
outputs, and per convention and term the value, the Frobenius norm of each
parameter's gradient and a few of its entries. test_gradient compares
rnnloss's engine with them (tests/data/gradient/README.md).

    /usr/bin/python3 tools/make_gradient_reference.py --nn4n PATH/TO/nn4n [--check]

Without --nn4n the checkout comes from NN4N_PATH or from PYTHONPATH.
Exit codes: 0 written or matching, 1 mismatch, 2 usage error, 77 skipped
(nn4n, PyTorch or NumPy not available).
"""

import argparse
import json
import math
import os
import sys
import tempfile

SKIP = 77
TERMS = ["mse", "in", "hid", "out", "fr", "fr_sd", "fr_cv"]
PARAMS = ["W_in", "b_in", "W_hid", "b_hid", "W_out", "b_out"]

# name: activation, (B, T, N_in, N_hid, N_out), seed, dt, tau, biases,
# init_state ("none", "shared": shape (N_hid), "per_trial": (B, N_hid)),
# slice (trials, steps, neurons) or None for the whole recording.
CASES = {
    "relu_whole": ("relu", (4, 10, 3, 8, 2), 1, 10.0, 100.0, True, "none", None),
    "tanh_slice_init": ("tanh", (5, 12, 2, 10, 3), 2, 20.0, 100.0, True, "per_trial",
                        ([0, 2, 3], [1, 2, 3, 5, 8], [0, 1, 3, 4, 6, 9])),
    "sigmoid_shared_init_nobias": ("sigmoid", (3, 9, 2, 6, 2), 3, 25.0, 100.0, False,
                                   "shared", None),
    "retanh_slice": ("retanh", (4, 11, 3, 7, 2), 4, 50.0, 100.0, True, "none",
                     ([1, 2, 3], [0, 4, 5, 6], [0, 2, 3, 5, 6])),
}


def skip(why):
    print(f"skipped: {why}", flush=True)
    sys.exit(SKIP)


def import_peers(nn4n_path):
    try:
        import numpy  # noqa: F401
    except ImportError as e:
        skip(f"{e} (apt-get install python3-numpy)")
    if nn4n_path:
        if not os.path.isdir(os.path.join(nn4n_path, "nn4n")):
            skip(f"no nn4n package in {nn4n_path} (NN4N_PATH / --nn4n)")
        sys.path.insert(0, os.path.abspath(nn4n_path))
    try:
        import torch  # noqa: F401
    except ImportError:
        skip("torch missing (apt-get install python3-torch)")
    try:
        import nn4n  # noqa: F401
    except ImportError as e:
        if getattr(e, "name", None) == "nn4n":
            skip("NN4N_PATH not set and nn4n not on PYTHONPATH")
        skip(f"nn4n cannot be imported: {e}")


def float64_layers():
    """nn4n's LinearLayer.forward casts its input to float32 (x.float()); in
    float64 that is the only line to change: cast to the layer's own dtype."""
    from nn4n.layer import LinearLayer

    def forward(self, x):
        return x.to(self.weight.dtype) @ self.weight.T + self.bias

    LinearLayer.forward = forward


def make_model(activation, dims, rng, dt, tau, biases):
    import numpy as np
    import torch
    from nn4n.model import CTRNN

    n_in, n_hid, n_out = dims
    model = CTRNN(dims=[n_in, n_hid, n_out], activation=activation, dt=dt, tau=tau,
                  biases="normal" if biases else None, suppress_warnings=True).double()
    model.eval()
    rec = model.recurrent_layer
    weights = {
        "W_in": rng.normal(0.0, 0.8, (n_hid, n_in)),
        "W_hid": rng.normal(0.0, 1.2 / math.sqrt(n_hid), (n_hid, n_hid)),
        "W_out": rng.normal(0.0, 0.7, (n_out, n_hid)),
        "b_in": 0.1 + rng.normal(0.0, 0.3, n_hid) if biases else np.zeros(n_hid),
        "b_hid": 0.1 + rng.normal(0.0, 0.3, n_hid) if biases else np.zeros(n_hid),
        "b_out": rng.normal(0.0, 0.3, n_out) if biases else np.zeros(n_out),
    }
    layers = {"W_in": rec.input_layer.weight, "b_in": rec.input_layer.bias,
              "W_hid": rec.hidden_layer.weight, "b_hid": rec.hidden_layer.bias,
              "W_out": model.readout_layer.weight, "b_out": model.readout_layer.bias}
    with torch.no_grad():
        for name, p in layers.items():
            p.copy_(torch.from_numpy(weights[name]))
    for p in layers.values():
        # nn4n's biases=None are zeros that do not learn; their gradient at 0
        # is still what a bias would get, so autograd is asked for it too.
        p.requires_grad_(True)
    # nn4n keeps alpha = dt / tau as a float32 tensor; float64 here.
    rec.alpha = torch.full((n_hid,), dt / tau, dtype=torch.float64)
    return model, [layers[p] for p in PARAMS], weights


def forward(model, x, init_state):
    """CTRNN.forward without its cast of the states to float32."""
    states = model.recurrent_layer(x, init_state)
    return model.readout_layer(states), states


def terms(model, pred, label, states, sel, convention):
    import torch
    from nn4n.criterion import RNNLoss

    if sel is not None:
        trials, steps, neurons = (torch.tensor(v) for v in sel)
        pred, label = pred[trials][:, steps], label[trials][:, steps]
        states = states[trials][:, steps][:, :, neurons]
    loss = RNNLoss(model)
    out = {"mse": torch.square(pred - label).mean(), "in": loss._loss_in(),
           "hid": loss._loss_hid(), "out": loss._loss_out()}
    if convention == "nn4n":
        out["fr"] = loss._loss_fr(states=states)
        out["fr_sd"] = loss._loss_fr_sd(states=states)
        out["fr_cv"] = loss._loss_fr_cv(states=states)
    else:
        m = states.mean(dim=(0, 1))
        sd = torch.sqrt(torch.mean(torch.square(m - m.mean())))
        out["fr"] = torch.mean(torch.square(states))
        out["fr_sd"] = sd
        out["fr_cv"] = sd / m.mean()
    return out


def entries(g, count=4):
    """A few entries spread over the flattened gradient: [index, value] pairs."""
    flat = g.reshape(-1)
    n = flat.numel()
    picks = sorted({0, n - 1, n // 3, (2 * n) // 3})[:count]
    return [[i, float(flat[i])] for i in picks]


def gradients(value, params):
    import torch

    grads = torch.autograd.grad(value, params, retain_graph=True, allow_unused=True)
    out = {}
    for name, p, g in zip(PARAMS, params, grads):
        g = torch.zeros_like(p) if g is None else g
        if not bool(torch.isfinite(g).all()):
            raise RuntimeError(f"autograd gave a non-finite gradient for {name}")
        out[name] = g
    return out


def build_case(name, spec):
    import numpy as np
    import torch

    activation, (b, t, n_in, n_hid, n_out), seed, dt, tau, biases, init, sel = spec
    rng = np.random.default_rng(seed)
    model, params, weights = make_model(activation, (n_in, n_hid, n_out), rng, dt, tau, biases)
    x = rng.normal(0.0, 1.0, (b, t, n_in))
    y = rng.normal(0.0, 1.0, (b, t, n_out))
    v0 = {"none": None, "shared": rng.normal(0.2, 0.6, n_hid),
          "per_trial": rng.normal(0.2, 0.6, (b, n_hid))}[init]
    pred, states = forward(model, torch.from_numpy(x),
                           None if v0 is None else torch.from_numpy(v0))
    case = {
        "activation": activation, "dt": dt, "tau": tau, "alpha": dt / tau,
        "shape": {"batch": b, "time": t, "n_in": n_in, "n_hid": n_hid, "n_out": n_out},
        "weights": {k: weights[k].tolist() for k in ("W_in", "W_hid", "W_out")},
        "biases": {k: weights[k].tolist() for k in ("b_in", "b_hid", "b_out")} if biases
        else None,
        "init_state": None if v0 is None else v0.tolist(),
        "slice": None if sel is None else {"trials": sel[0], "steps": sel[1],
                                          "neurons": sel[2]},
        "inputs": x.reshape(-1).tolist(), "targets": y.reshape(-1).tolist(),
        "states": states.detach().numpy().reshape(-1).tolist(),
        "outputs": pred.detach().numpy().reshape(-1).tolist(),
        "expected": {},
    }
    for convention in ("nn4n", "spec"):
        values = terms(model, pred, torch.from_numpy(y), states, sel, convention)
        per_term = {}
        for term in TERMS:
            g = gradients(values[term], params)
            per_term[term] = {
                "value": float(values[term]),
                "grad_norm": {p: float(g[p].norm()) for p in PARAMS},
                "entries": {p: entries(g[p]) for p in PARAMS},
            }
        case["expected"][convention] = per_term
    return case


def compare(got, want, path, rtol, problems, worst):
    if isinstance(want, dict):
        if not isinstance(got, dict) or set(got) != set(want):
            problems.append(f"{path}: keys differ")
            return
        for k in want:
            compare(got[k], want[k], f"{path}/{k}", rtol, problems, worst)
    elif isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            problems.append(f"{path}: length differs")
            return
        for i, (g, w) in enumerate(zip(got, want)):
            compare(g, w, f"{path}[{i}]", rtol, problems, worst)
    elif isinstance(want, float):
        scale = max(abs(got), abs(want))
        rel = 0.0 if scale == 0.0 else abs(got - want) / scale
        if rel > worst[0]:
            worst[0], worst[1] = rel, path
        if rel > rtol and abs(got - want) > 1e-15:
            problems.append(f"{path}: got {got!r}, expected {want!r} (relative {rel:.3g})")
    elif got != want:
        problems.append(f"{path}: got {got!r}, expected {want!r}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.normpath(os.path.join(here, "..", "tests", "data", "gradient",
                                                "reference.json"))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nn4n", default=os.environ.get("NN4N_PATH") or None,
                    help="nn4n checkout (the folder holding nn4n/); default $NN4N_PATH")
    ap.add_argument("--out", default=default_out, help="default: %(default)s")
    ap.add_argument("--check", action="store_true",
                    help="compare with the existing file instead of writing it")
    ap.add_argument("--rtol", type=float, default=1e-10,
                    help="relative tolerance for --check (default: %(default)g)")
    args = ap.parse_args()

    import_peers(args.nn4n)
    import nn4n
    import torch
    torch.manual_seed(0)  # CTRNN draws initial weights; all are overwritten
    float64_layers()
    where = os.path.dirname(os.path.dirname(os.path.abspath(nn4n.__file__)))
    print(f"nn4n from {where}, torch {torch.__version__}", flush=True)
    result = {"cases": {name: build_case(name, spec) for name, spec in CASES.items()}}

    if not args.check:
        folder = os.path.dirname(os.path.abspath(args.out))
        fd, tmp = tempfile.mkstemp(prefix=".reference-", suffix=".json", dir=folder)
        with os.fdopen(fd, "w") as f:
            json.dump(result, f, indent=1)
        os.chmod(tmp, 0o644)
        os.replace(tmp, args.out)
        print(f"wrote {args.out}")
        return 0
    try:
        with open(args.out) as f:
            committed = json.load(f)
    except (OSError, ValueError) as e:
        print(f"error: {args.out}: {e}", file=sys.stderr)
        return 2
    problems, worst = [], [0.0, ""]
    compare(result, committed, "reference.json", args.rtol, problems, worst)
    print(f"largest relative difference: {worst[0]:.3g} {worst[1]}")
    for p in problems[:50]:
        print("  " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
