"""PyTorch peer of the Exemplar CNN training step (bench/perf.ts runs it in the same invocation).

Same model, shapes and update as methods/exemplar.ts exemplarStep at the default preset:
64c5-64c5-128f (5x5 convolutions with 'same' padding, ReLU, 2x2 max-pooling after each, a fully
connected layer of 128 with ReLU and dropout 0.5), a softmax over the surrogate classes, cross
entropy, one SGD step (lr 0.01, momentum 0.9, weight decay 0.004) on a batch of 32x32x3 samples.
Prints one JSON line.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from common import parse_args, time_and_report, update_step


class ExemplarNet(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.c1 = nn.Conv2d(3, 64, 5, padding=2)
        self.c2 = nn.Conv2d(64, 64, 5, padding=2)
        self.fc = nn.Linear(8 * 8 * 64, 128)
        self.out = nn.Linear(128, classes)

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.c1(x)), 2)  # [B,64,16,16]
        h = F.max_pool2d(F.relu(self.c2(h)), 2)  # [B,64,8,8]
        f = F.dropout(F.relu(self.fc(torch.flatten(h, 1))), 0.5, self.training)
        return self.out(f)


def main():
    a, dev = parse_args(128, "samples per step", [("--classes", 8000, "surrogate classes N")])
    m = ExemplarNet(a.classes).to(dev).train()
    opt = torch.optim.SGD(m.parameters(), 0.01, momentum=0.9, weight_decay=0.004)
    g = torch.Generator().manual_seed(1)
    x = torch.rand(a.batch, 3, 32, 32, generator=g).to(dev)
    y = torch.randint(0, a.classes, (a.batch,), generator=g).to(dev)

    time_and_report(update_step(opt, lambda: F.cross_entropy(m(x), y)), a, dev, a.batch)


if __name__ == "__main__":
    main()
