"""PyTorch peer for bench/train-throughput: the seed CNN (Conv32-Pool-Conv64-Pool-Conv128-Pool-
Flatten-Dense512-softmax, 3x3 kernels, ReLU), Adam 1e-3, cross-entropy, batch 32, 64x64x3 inputs.
Prints one JSON line: {"threads": N, "images_per_sec": ...}.  Usage: python3 torch_train.py THREADS STEPS"""
import json
import sys
import time

import torch
from torch import nn

threads = int(sys.argv[1])
steps = int(sys.argv[2])
torch.set_num_threads(threads)
torch.manual_seed(0)
classes = 4
model = nn.Sequential(
    nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(64, 128, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(6 * 6 * 128, 512), nn.ReLU(), nn.Linear(512, classes),
)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()  # softmax + log-loss on the logits
xs = torch.rand(32, 3, 64, 64)
ys = torch.randint(0, classes, (32,))


def step():
    opt.zero_grad()
    loss = loss_fn(model(xs), ys)
    loss.backward()
    opt.step()


for _ in range(3):
    step()
t0 = time.perf_counter()
for _ in range(steps):
    step()
dt = time.perf_counter() - t0
print(json.dumps({"threads": threads, "images_per_sec": 32 * steps / dt}))
