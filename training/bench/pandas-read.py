"""The peer of `npm run bench:data`: pandas read_csv (C engine) plus the numpy encoding of the same
columns (numbers as float32, NaN when missing; categories one-hot) into one float32 matrix.
Prints {"seconds": ..., "rows": ..., "cols": ...} as JSON."""
import json
import sys
import time

import numpy as np
import pandas as pd

path, target = sys.argv[1], sys.argv[2]
started = time.perf_counter()
frame = pd.read_csv(path, engine="c")
features = frame.drop(columns=[target])
numeric = features.select_dtypes(include="number").to_numpy(dtype=np.float32)
categorical = pd.get_dummies(features.select_dtypes(exclude="number"), dtype=np.float32).to_numpy()
matrix = np.ascontiguousarray(np.concatenate([numeric, categorical], axis=1), dtype=np.float32)
labels = frame[target].astype("category").cat.codes.to_numpy(dtype=np.int32)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "rows": int(matrix.shape[0]), "cols": int(matrix.shape[1])}))
