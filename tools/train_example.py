#!/usr/bin/python3
"""Train a small continuous-time RNN on perceptual decision making and write
the bundled example recording (recording format v1, see
docs/recording-format.md).

Usage:  /usr/bin/python3 tools/train_example.py resources/example.h5
        /usr/bin/python3 tools/train_example.py out/run.h5 --checkpoints 100,400,1000
        (also writes out/run_step100.h5, ...: the recording at those iterations)

Needs only torch, numpy and h5py (Debian: python3-torch, python3-numpy,
python3-h5py). nn4n is not required: its CTRNN dynamics and RNNLoss terms are
re-implemented below in plain PyTorch, with the same parameter names, so that
model.state_dict() has nn4n's keys.
"""

import argparse
import math
import os
import sys
import time

import h5py
import numpy as np
import torch
import torch.nn as nn

# ---------------------------------------------------------------------------
# Task: perceptual decision making (random-dot-motion style, two choices).
#
# Inputs (N_in = 3):  0 = fixation cue (1 until the decision period),
#                     1 = evidence for choice A, 2 = evidence for choice B.
# Outputs (N_out = 2): one per choice; target 0 until the decision period,
#                     then 1 on the correct choice and 0 on the other.
# Epochs (T = 100 steps of dt = 10 ms = 1 s):
#   fixation  steps  0..19  (200 ms): fixation cue only
#   stimulus  steps 20..69  (500 ms): fixation cue + noisy evidence
#   decision  steps 70..99  (300 ms): no input, respond
# Evidence on a trial with signed coherence c: channel A = (1 + c)/2 + noise,
# channel B = (1 - c)/2 + noise, noise ~ N(0, EVIDENCE_NOISE^2) i.i.d. per step.
# The correct choice is A when c > 0, B when c < 0.
# ---------------------------------------------------------------------------
N_IN, N_HID, N_OUT = 3, 64, 2
T_STEPS = 100
FIX_END, STIM_END = 20, 70
DT_MS, TAU_MS = 10.0, 100.0
ALPHA = DT_MS / TAU_MS
COHERENCES = (0.05, 0.1, 0.2, 0.4, 0.8)
EVIDENCE_NOISE = 0.5
PREACT_NOISE = 0.05   # nn4n's preact_noise, training only

# Lambdas as nn4n's RNNLoss takes them; unused terms are 0.
LAMBDAS = {
    "lambda_mse": 1.0,
    "lambda_in": 0.0,
    "lambda_hid": 0.001,
    "lambda_out": 0.0,
    "lambda_fr": 0.01,
    "lambda_fr_sd": 0.001,
    "lambda_fr_cv": 0.0,
}


def make_batch(batch, gen):
    """Return inputs (B,T,3), targets (B,T,2), signed coherence (B,)."""
    coh = torch.tensor(COHERENCES)[torch.randint(len(COHERENCES), (batch,), generator=gen)]
    sign = torch.where(torch.rand(batch, generator=gen) < 0.5, -1.0, 1.0)
    c = coh * sign
    u = torch.zeros(batch, T_STEPS, N_IN)
    u[:, :STIM_END, 0] = 1.0
    stim = slice(FIX_END, STIM_END)
    n_stim = STIM_END - FIX_END
    noise = torch.randn(batch, n_stim, 2, generator=gen) * EVIDENCE_NOISE
    u[:, stim, 1] = ((1.0 + c) / 2.0)[:, None] + noise[:, :, 0]
    u[:, stim, 2] = ((1.0 - c) / 2.0)[:, None] + noise[:, :, 1]
    y = torch.zeros(batch, T_STEPS, N_OUT)
    choice = (c < 0).long()  # 0 = A, 1 = B
    y[torch.arange(batch)[:, None], torch.arange(STIM_END, T_STEPS)[None, :], choice[:, None]] = 1.0
    return u, y, c


# ---------------------------------------------------------------------------
# Model: nn4n's CTRNN, batch first.
#   v_t = (1 - alpha) v_{t-1} + alpha (W_hid r_{t-1} + b_hid + W_in u_t) [+ alpha * noise]
#   r_t = relu(v_t),   y_t = W_out r_t + b_out,   v_0 = 0
# ---------------------------------------------------------------------------
class InputLayer(nn.Module):
    def __init__(self, n_in, n_hid):
        super().__init__()
        k = 1.0 / math.sqrt(n_in)
        self.weight = nn.Parameter(torch.empty(n_hid, n_in).uniform_(-k, k))


class HiddenLayer(nn.Module):
    def __init__(self, n_hid, gain):
        super().__init__()
        w = torch.randn(n_hid, n_hid) * (gain / math.sqrt(n_hid))
        w.fill_diagonal_(0.0)  # nn4n's default: no self connections at init
        self.weight = nn.Parameter(w)
        self.bias = nn.Parameter(torch.zeros(n_hid))


class RecurrentLayer(nn.Module):
    def __init__(self, n_in, n_hid, alpha, preact_noise, gain):
        super().__init__()
        self.input_layer = InputLayer(n_in, n_hid)
        self.hidden_layer = HiddenLayer(n_hid, gain)
        self.alpha = alpha
        self.preact_noise = preact_noise

    def forward(self, u, noise_gen=None):
        batch, steps, _ = u.shape
        n_hid = self.hidden_layer.weight.shape[0]
        v = torch.zeros(batch, n_hid)
        r = torch.relu(v)
        drive_in = u @ self.input_layer.weight.T  # (B,T,N_hid)
        states = []
        for t in range(steps):
            rec = r @ self.hidden_layer.weight.T + self.hidden_layer.bias
            v = (1.0 - self.alpha) * v + self.alpha * (rec + drive_in[:, t])
            if self.training and self.preact_noise > 0:
                v = v + self.alpha * self.preact_noise * torch.randn(batch, n_hid, generator=noise_gen)
            r = torch.relu(v)
            states.append(r)
        return torch.stack(states, dim=1)


class CTRNN(nn.Module):
    def __init__(self, n_in=N_IN, n_hid=N_HID, n_out=N_OUT, alpha=ALPHA,
                 preact_noise=PREACT_NOISE, gain=1.0):
        super().__init__()
        self.recurrent_layer = RecurrentLayer(n_in, n_hid, alpha, preact_noise, gain)
        self.readout_layer = nn.Linear(n_hid, n_out)

    def forward(self, u, noise_gen=None):
        states = self.recurrent_layer(u, noise_gen)
        return self.readout_layer(states), states


# ---------------------------------------------------------------------------
# Loss: the seven terms of nn4n's RNNLoss. "spec" is the documented formulas,
# "nn4n" what nn4n's code computes (the app's default convention); they
# differ only in fr, fr_sd and fr_cv (docs/loss.md). The bundled example was
# trained with "spec" (then called "seed").
# ---------------------------------------------------------------------------
def loss_terms(model, pred, target, states, convention):
    w_in = model.recurrent_layer.input_layer.weight
    w_hid = model.recurrent_layer.hidden_layer.weight
    w_out = model.readout_layer.weight
    m = states.mean(dim=(0, 1))  # per-neuron mean rate
    terms = {
        "lambda_mse": torch.square(pred - target).mean(),
        "lambda_in": torch.square(w_in).mean(),
        "lambda_hid": torch.square(w_hid).mean(),
        "lambda_out": torch.square(w_out).mean(),
    }
    if convention == "spec":
        terms["lambda_fr"] = torch.square(states).mean()
        sd = m.std(unbiased=False)
        terms["lambda_fr_sd"] = sd
        terms["lambda_fr_cv"] = sd / m.mean()
    else:
        terms["lambda_fr"] = torch.square(m).mean()
        terms["lambda_fr_sd"] = m.std(unbiased=True)
        a = states.abs().mean(dim=(0, 1))
        terms["lambda_fr_cv"] = a.std(unbiased=True) / a.mean()
    return terms


def total_loss(terms):
    total = 0.0
    for key, lam in LAMBDAS.items():
        if lam != 0.0:
            total = total + lam * terms[key]
    return total


def decisions(pred):
    """Choice per trial: the larger output averaged over the decision period."""
    return pred[:, STIM_END:, :].mean(dim=1).argmax(dim=1)


def accuracy(pred, c):
    return (decisions(pred) == (c < 0).long()).float().mean().item()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("output", nargs="?", default="resources/example.h5",
                   help="recording to write (default: resources/example.h5)")
    p.add_argument("--iterations", type=int, default=1000)
    p.add_argument("--train-batch", type=int, default=64)
    p.add_argument("--record-batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--convention", choices=("spec", "nn4n", "seed"), default="spec",
                   help="formulas for the firing-rate terms (default: spec, as the bundled "
                        "example was trained; seed is an old name of spec)")
    p.add_argument("--checkpoints", default="",
                   help="comma-separated iterations at which to also write the recording "
                        "(same trials as the final one) as OUTPUT_stepN.h5 with a step attribute")
    args = p.parse_args(argv)
    if args.convention == "seed":
        args.convention = "spec"
    try:
        checkpoints = sorted({int(x) for x in args.checkpoints.split(",") if x.strip()})
    except ValueError:
        p.error(f"--checkpoints {args.checkpoints}: expected iterations such as 100,400,1000")
    if any(not 1 <= c <= args.iterations for c in checkpoints):
        p.error(f"--checkpoints: iterations must lie in 1..{args.iterations}")

    t0 = time.time()
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    gen = torch.Generator().manual_seed(args.seed)

    model = CTRNN()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)

    print(f"task: perceptual decision making, N_in={N_IN} N_hid={N_HID} N_out={N_OUT} "
          f"T={T_STEPS} dt={DT_MS:g} ms tau={TAU_MS:g} ms alpha={ALPHA:g}")
    print("lambdas: " + " ".join(f"{k}={v:g}" for k, v in LAMBDAS.items())
          + f"  (convention {args.convention})")
    model.train()
    for it in range(1, args.iterations + 1):
        u, y, c = make_batch(args.train_batch, gen)
        pred, states = model(u, gen)
        terms = loss_terms(model, pred, y, states, args.convention)
        loss = total_loss(terms)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if it == 1 or it % 100 == 0:
            print(f"iter {it:5d}  loss {loss.item():.5f}  mse {terms['lambda_mse'].item():.5f}  "
                  f"acc {accuracy(pred.detach(), c):.3f}  ({time.time() - t0:.0f} s)", flush=True)
        if it in checkpoints:
            write_checkpoint(model, it, args)

    # Evaluate (no pre-activation noise, as nn4n's eval()) on fresh trials.
    model.eval()
    eval_gen = torch.Generator().manual_seed(args.seed + 1000)
    with torch.no_grad():
        u, y, c = make_batch(2000, eval_gen)
        pred, states = model(u)
        final_terms = loss_terms(model, pred, y, states, args.convention)
        print(f"final (2000 fresh trials): loss {total_loss(final_terms).item():.5f}  "
              f"mse {final_terms['lambda_mse'].item():.5f}  accuracy {accuracy(pred, c):.3f}")
        correct = decisions(pred) == (c < 0).long()
        for coh in COHERENCES:
            sel = c.abs().sub(coh).abs() < 1e-6
            print(f"  coherence {coh:4.2f}: accuracy {correct[sel].float().mean().item():.3f}")

        # The recording: a fresh batch, written batch first.
        rec_gen = torch.Generator().manual_seed(args.seed + 2000)
        u, y, c = make_batch(args.record_batch, rec_gen)
        pred, states = model(u)
        rec_terms = loss_terms(model, pred, y, states, args.convention)
        rec_acc = accuracy(pred, c)

    st = states.numpy()
    mean_rate = st.mean(axis=(0, 1))
    print(f"recording: {args.record_batch} trials, accuracy {rec_acc:.3f}, "
          f"total loss {total_loss(rec_terms).item():.5f}")
    print("  terms (unweighted): " + " ".join(
        f"{k[len('lambda_'):]}={v.item():.5g}" for k, v in rec_terms.items()))
    print(f"  per-neuron mean rate: min {mean_rate.min():.4f} median {np.median(mean_rate):.4f} "
          f"max {mean_rate.max():.4f} mean {mean_rate.mean():.4f}; "
          f"{int((mean_rate < 1e-3).sum())} of {N_HID} below 0.001")

    write_recording(args.output, u.numpy(), pred.numpy(), y.numpy(), st,
                    model.state_dict(), c.numpy(), args)
    size = os.path.getsize(args.output)
    print(f"wrote {args.output} ({size} bytes) in {time.time() - t0:.0f} s total")
    return 0


def checkpoint_path(output, step):
    root, ext = os.path.splitext(output)
    return f"{root}_step{step}{ext or '.h5'}"


def write_checkpoint(model, step, args):
    """The recording at iteration `step`: the final recording's trials, without noise.
    Its own generator and no noise draws, so training continues exactly as without it."""
    model.eval()
    with torch.no_grad():
        u, y, c = make_batch(args.record_batch, torch.Generator().manual_seed(args.seed + 2000))
        pred, states = model(u)
    model.train()
    path = checkpoint_path(args.output, step)
    write_recording(path, u.numpy(), pred.numpy(), y.numpy(), states.numpy(),
                    model.state_dict(), c.numpy(), args, step=step)
    print(f"  wrote {path} (iteration {step})", flush=True)


def write_recording(path, u, pred, y, states, sd, coherence, args, step=None):
    """The recording, with the network (recording-format.md, "The network"):
    the weights, the biases the model has (b_hid, b_out; its input layer has
    none, so b_in is 0), activation, tau, dt and the initial state v0 = 0."""
    f32 = np.dtype("<f4")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with h5py.File(tmp, "w", libver="earliest") as f:
        def series(name, data):
            # One trial per chunk, uncompressed: the layout the app reads
            # straight from the file and slices live (docs/recording-format.md).
            b, t, n = data.shape
            f.create_dataset(name, data=data.astype(f32), chunks=(1, t, n))
        series("outputs", pred)
        series("targets", y)
        series("states", states)
        series("inputs", u)
        g = f.create_group("weights")
        g.create_dataset("input", data=sd["recurrent_layer.input_layer.weight"].numpy().astype(f32))
        g.create_dataset("hidden", data=sd["recurrent_layer.hidden_layer.weight"].numpy().astype(f32))
        g.create_dataset("readout", data=sd["readout_layer.weight"].numpy().astype(f32))
        b = f.create_group("biases")
        b.create_dataset("hidden", data=sd["recurrent_layer.hidden_layer.bias"].numpy().astype(f32))
        b.create_dataset("readout", data=sd["readout_layer.bias"].numpy().astype(f32))
        f.create_dataset("init_state", data=np.zeros(states.shape[2], dtype=f32))

        for key, lam in LAMBDAS.items():
            f.attrs[key] = np.float64(lam)
        if step is not None:
            f.attrs["step"] = np.int64(step)

        def text(key, value):  # fixed-length ASCII strings: the most portable kind
            f.attrs[key] = np.bytes_(value)

        text("recording_format", "1")
        text("task", "perceptual decision making (2 choices): fixation 0-200 ms, "
                     "noisy evidence 200-700 ms, decision 700-1000 ms")
        text("dt", f"{DT_MS:g} ms")
        text("tau", f"{TAU_MS:g} ms")
        text("activation", "relu")
        text("dynamics", "v <- (1-alpha) v + alpha (W_hid r + b_hid + W_in u), r = relu(v), "
                         "y = W_out r + b_out, alpha = dt/tau, v0 = 0")
        text("inputs_description", "0 = fixation cue, 1 = evidence for choice A, "
                                   "2 = evidence for choice B")
        text("outputs_description", "0 = choice A, 1 = choice B")
        text("loss_convention", args.convention)
        text("trial_coherence", ",".join(f"{x:+.2f}" for x in coherence))
        # The condition of each trial, for the app's selection and PSTH split.
        f.create_dataset("trial_labels",
                         data=["choice A" if x > 0 else "choice B" for x in coherence],
                         dtype=h5py.string_dtype())
        text("training", f"Adam lr={args.lr:g}, {args.iterations} iterations of "
                         f"{args.train_batch} trials, grad-norm clip 1, preact_noise "
                         f"{PREACT_NOISE:g}, torch.manual_seed({args.seed})")
        text("created_by", "tools/train_example.py")
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main())
