#!/usr/bin/python3
"""What the per-term gradients cost with nn4n + PyTorch autograd, for the speed
goal of issue 15: nn4n's CTRNN (float32, eval mode: no noise) run forward once
on random inputs, then one backward pass per rate-dependent term (mse, fr,
fr_sd, fr_cv as nn4n's RNNLoss computes them), keeping each term's gradients
of the six parameters; the weight terms (in, hid, out) by autograd too, which
costs nothing. PyTorch on the CPU with 2 threads (torch.set_num_threads(2)),
the BLAS PyTorch was built with (Debian: OpenBLAS, libopenblas0-pthread).

    NN4N_PATH=/path/to/nn4n /usr/bin/python3 tools/bench_gradient_nn4n.py \\
        [--batch 128] [--time 500] [--neurons 512] [--inputs 6] [--outputs 2] \\
        [--activation relu] [--reps 1] [--threads 2]

Prints the wall and CPU time of the forward pass and of the backward passes.
The C++ side: RNNLOSS_GRAD_BENCH=1 build/tests/test_gradient benchmark (the
engine alone), and `rnnloss bench --gradients --nn4n tools/bench_gradient_nn4n.py`
(through the reader process, this script run beside it in the same session).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.environ.get("NN4N_PATH", "/work/shared/peers/nn4n"))
import torch  # noqa: E402
from nn4n.criterion import RNNLoss  # noqa: E402
from nn4n.model import CTRNN  # noqa: E402


def clocks():
    return time.perf_counter(), time.process_time()


def since(start):
    wall, cpu = clocks()
    return wall - start[0], cpu - start[1]


def once(a, model, loss, x, y):
    params = [p for p in model.parameters() if p.requires_grad]
    start = clocks()
    out, extra = model(x)
    h = extra["h"]
    forward = since(start)
    terms = {
        "mse": torch.square(out - y).mean(),
        "fr": loss._loss_fr(states=h),
        "fr_sd": loss._loss_fr_sd(states=h),
        "fr_cv": loss._loss_fr_cv(states=h),
    }
    start = clocks()
    grads = {}
    for i, (name, value) in enumerate(terms.items()):
        grads[name] = torch.autograd.grad(value, params, retain_graph=i + 1 < len(terms),
                                          allow_unused=True)
    backward = since(start)
    for name in ("in", "hid", "out"):
        grads[name] = torch.autograd.grad(getattr(loss, "_loss_" + name)(), params,
                                          allow_unused=True)
    return forward, backward, grads


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--time", type=int, default=500)
    ap.add_argument("--neurons", type=int, default=512)
    ap.add_argument("--inputs", type=int, default=6)
    ap.add_argument("--outputs", type=int, default=2)
    ap.add_argument("--activation", default="relu")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    # Biases learnable, as the C++ side computes their gradients too.
    model = CTRNN(dims=[a.inputs, a.neurons, a.outputs], activation=a.activation,
                  biases="uniform", suppress_warnings=True)
    model.eval()
    loss = RNNLoss(model)
    x = torch.randn(a.batch, a.time, a.inputs)
    y = torch.randn(a.batch, a.time, a.outputs)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"B={a.batch} T={a.time} N_in={a.inputs} N_hid={a.neurons} N_out={a.outputs}, "
          f"{a.activation}, float32", flush=True)
    for _ in range(a.reps):
        (fw, fc), (bw, bc), grads = once(a, model, loss, x, y)
        print(f"forward {fw:.2f} s (CPU {fc:.2f} s), 4 backward passes {bw:.2f} s "
              f"(CPU {bc:.2f} s), total {fw + bw:.2f} s (CPU {fc + bc:.2f} s)", flush=True)
    norm = grads["fr"][2].norm().item()
    print(f"|dL_fr/dW_hid| = {norm:.6g}")


if __name__ == "__main__":
    main()
