"""PyTorch peer of the DrLIM training step (bench/perf.ts runs it in the same invocation).

Same model, shapes and update as methods/drlim.ts: the paper network (conv 15@6x6, ReLU, 3x3
average-pool subsampling, conv 30@9x9, ReLU, linear 30->2) applied to a pair of batches of
32x32 images, the contrastive loss with margin 1, one Adam step. Prints one JSON line.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from common import parse_args, time_and_report, update_step


class PaperNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 15, 6)
        self.c2 = nn.Conv2d(15, 30, 9)
        self.fc = nn.Linear(30, 2)

    def forward(self, x):
        h = F.avg_pool2d(F.relu(self.c1(x)), 3)  # [B,15,9,9]
        return self.fc(torch.flatten(F.relu(self.c2(h)), 1))  # [B,2]


def main():
    a, dev = parse_args(512, "pairs per step")
    m = PaperNet().to(dev)
    opt = torch.optim.Adam(m.parameters(), 1e-3)
    g = torch.Generator().manual_seed(1)
    x = torch.rand(2 * a.batch, 1, 32, 32, generator=g).to(dev)
    y = (torch.rand(a.batch, generator=g) > 0.5).float().to(dev)

    def loss():
        z = m(x)
        za, zb = z[: a.batch], z[a.batch :]
        d2 = ((za - zb) ** 2).sum(1)
        d = torch.sqrt(d2 + 1e-12)
        return 0.5 * (y * d2 + (1 - y) * F.relu(1.0 - d) ** 2).mean()

    time_and_report(update_step(opt, loss), a, dev, 2 * a.batch)


if __name__ == "__main__":
    main()
