"""
The numpy reference of the trainer's benchmark loop: MLP with ReLU hidden layers, softmax
cross-entropy, Adam, mini-batches, float32 throughout. Same math as training/model/*.ts.

usage: numpy-mlp.py ROWS FEATURES CLASSES HIDDEN(comma) BATCH EPOCHS SEED
prints one JSON line: {"seconds": ..., "samplesPerSecond": ..., "losses": [...per epoch]}
"""
import json
import sys
import time

import numpy as np


def main():
    rows, features, classes = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    hidden = [int(h) for h in sys.argv[4].split(",")]
    batch, epochs, seed = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, features), dtype=np.float32)
    labels = np.arange(rows) % classes
    y = np.zeros((rows, classes), dtype=np.float32)
    y[np.arange(rows), labels] = 1
    sizes = [features, *hidden, classes]
    params = []
    for i in range(len(sizes) - 1):
        params.append((rng.standard_normal((sizes[i], sizes[i + 1]), dtype=np.float32) * np.float32(np.sqrt(2 / sizes[i]))))
        params.append(np.zeros(sizes[i + 1], dtype=np.float32))
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    b1, b2, eps, lr = np.float32(0.9), np.float32(0.999), np.float32(1e-8), np.float32(1e-3)
    step = 0
    losses = []
    start = time.perf_counter()
    for _ in range(epochs):
        order = rng.permutation(rows)
        total = 0.0
        for s in range(0, rows, batch):
            idx = order[s:s + batch]
            xb, yb = x[idx], y[idx]
            n = np.float32(1 / len(idx))
            hs, zs = [xb], []
            for i in range(0, len(params), 2):
                z = hs[-1] @ params[i] + params[i + 1]
                zs.append(z)
                if i + 2 < len(params):
                    hs.append(np.maximum(z, 0))
            z = zs[-1]
            shifted = z - z.max(axis=1, keepdims=True)
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            total += float(-(yb * log_probs).sum() * n) * len(idx)
            dz = (np.exp(log_probs) - yb) * n
            grads = [None] * len(params)
            for layer in range(len(params) // 2 - 1, -1, -1):
                grads[2 * layer] = hs[layer].T @ dz
                grads[2 * layer + 1] = dz.sum(axis=0)
                if layer > 0:
                    dz = (dz @ params[2 * layer].T) * (zs[layer - 1] > 0)
            step += 1
            c1 = np.float32(1 / (1 - 0.9 ** step))
            c2 = np.float32(1 / (1 - 0.999 ** step))
            for k, g in enumerate(grads):
                m[k] = b1 * m[k] + (1 - b1) * g
                v[k] = b2 * v[k] + (1 - b2) * g * g
                params[k] = params[k] - lr * (m[k] * c1) / (np.sqrt(v[k] * c2) + eps)
        losses.append(total / rows)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "samplesPerSecond": rows * epochs / seconds, "losses": losses}))


if __name__ == "__main__":
    main()
