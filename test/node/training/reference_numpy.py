"""Independent numpy (float64) implementation of the reference example's math: two linear layers,
MSE (mean over all elements), Adam; full-batch steps from the given initial weights.
argv: DIR (x.f32, w0.f32, b0.f32, w1.f32, b1.f32) ROWS WIDTH HIDDEN STEPS LR -> JSON list of losses."""
import json
import sys

import numpy as np

folder, rows, width, hidden, steps, lr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
load = lambda name, shape: np.fromfile(f"{folder}/{name}.f32", dtype=np.float32).astype(np.float64).reshape(shape)
x = load("x", (rows, width))
params = [load("w0", (width, hidden)), load("b0", (hidden,)), load("w1", (hidden, width)), load("b1", (width,))]
m = [np.zeros_like(p) for p in params]
v = [np.zeros_like(p) for p in params]
losses = []
for t in range(1, steps + 1):
    h = x @ params[0] + params[1]
    out = h @ params[2] + params[3]
    diff = out - x
    losses.append(float((diff ** 2).mean()))
    d_out = 2 * diff / diff.size
    d_h = d_out @ params[2].T
    grads = [x.T @ d_h, d_h.sum(0), h.T @ d_out, d_out.sum(0)]
    for k, g in enumerate(grads):
        m[k] = 0.9 * m[k] + 0.1 * g
        v[k] = 0.999 * v[k] + 0.001 * g * g
        params[k] -= lr * (m[k] / (1 - 0.9 ** t)) / (np.sqrt(v[k] / (1 - 0.999 ** t)) + 1e-8)
print(json.dumps(losses))
