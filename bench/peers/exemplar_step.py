"""PyTorch peer of the Exemplar CNN training step (bench/perf.ts runs it in the same invocation).

Same model, shapes and update as methods/exemplar.ts exemplarStep. The network is named as in
methods/exemplar_net.ts (TPAMI Table 2 names), --network <n>c<k>-...-<n>f: convolutions of n
channels with k x k kernels, 'same' padding, bias and ReLU, 2x2 max-pooling after each of the
first two convolutions only, then a fully connected layer of the final n with ReLU and dropout
0.5 (training mode), then the softmax layer over --classes surrogate classes; cross entropy, one
SGD step (--lr, momentum 0.9, weight decay 0.004) on a batch of 32x32x3 samples with random
labels. Prints one JSON line.

Defaults: the default preset's workload, 64c5-64c5-128f, 8000 classes, batch 128, lr 0.01.
The ci preset's step: --network 16c5-16c5-32f --classes 100 --batch 64 --lr 0.05.
"""
import re

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import parse_args, time_and_report, update_step

POOLED = 2  # 2x2 max-pooling after the first two convolutions
PATCH = 32


def parse_network(name):
    """([conv channels], kernel, fc width) of a name like "64c5-64c5-128f" (one kernel size)."""
    parts = name.split("-")
    convs, kernel = [], 0
    for p in parts[:-1]:
        m = re.fullmatch(r"(\d+)c(\d+)", p)
        if not m:
            raise SystemExit(f'network "{name}": "{p}" is not <channels>c<kernel>')
        if kernel and int(m[2]) != kernel:
            raise SystemExit(f'network "{name}": all convolutions must share one kernel size')
        convs.append(int(m[1]))
        kernel = int(m[2])
    f = re.fullmatch(r"(\d+)f", parts[-1])
    if not f or not convs:
        raise SystemExit(f'network "{name}" must be <n>c<k>-...-<n>f, e.g. 64c5-64c5-128f')
    return convs, kernel, int(f[1])


class ExemplarNet(nn.Module):
    def __init__(self, network, classes, channels=3, patch=PATCH):
        super().__init__()
        convs, k, fc = parse_network(network)
        self.convs = nn.ModuleList(
            nn.Conv2d(channels if i == 0 else convs[i - 1], c, k, padding=k // 2)
            for i, c in enumerate(convs)
        )
        side = patch >> min(POOLED, len(convs))
        self.fc = nn.Linear(side * side * convs[-1], fc)
        self.out = nn.Linear(fc, classes)

    def forward(self, x):
        h = x
        for i, c in enumerate(self.convs):
            h = F.relu(c(h))
            if i < POOLED:
                h = F.max_pool2d(h, 2)  # 64c5-64c5-128f: [B,64,16,16], then [B,64,8,8]
        f = F.dropout(F.relu(self.fc(torch.flatten(h, 1))), 0.5, self.training)
        return self.out(f)


def main():
    a, dev = parse_args(128, "samples per step", [
        ("--classes", 8000, "surrogate classes N"),
        ("--network", "64c5-64c5-128f", "<n>c<k>-...-<n>f, as methods/exemplar_net.ts"),
        ("--lr", 0.01, "SGD learning rate (default preset: 0.01; ci: 0.05)"),
    ])
    m = ExemplarNet(a.network, a.classes).to(dev).train()
    opt = torch.optim.SGD(m.parameters(), a.lr, momentum=0.9, weight_decay=0.004)
    g = torch.Generator().manual_seed(1)
    x = torch.rand(a.batch, 3, 32, 32, generator=g).to(dev)
    y = torch.randint(0, a.classes, (a.batch,), generator=g).to(dev)

    time_and_report(update_step(opt, lambda: F.cross_entropy(m(x), y)), a, dev, a.batch)


if __name__ == "__main__":
    main()
