"""PyTorch peer of the SimCLR training step (bench/perf.ts runs it in the same invocation).

Same model, shapes and update as methods/simclr.ts at the perf workload: ResNet-18 with the CIFAR
stem (3x3 stride-1 first conv, no max-pool), global average pooling, the MLP projection head
Linear(512, 512)-BN-ReLU-Linear(512, 128), NT-Xent with temperature 0.5 over 2N views of 32x32x3
images, one Adam step (lr 1e-3). BatchNorm in training mode. Prints one JSON line.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from common import parse_args, time_and_report, update_step


class Block(nn.Module):
    def __init__(self, i, o, stride):
        super().__init__()
        self.a = nn.Conv2d(i, o, 3, stride, 1, bias=False)
        self.ba = nn.BatchNorm2d(o)
        self.b = nn.Conv2d(o, o, 3, 1, 1, bias=False)
        self.bb = nn.BatchNorm2d(o)
        self.sc = nn.Sequential()
        if stride != 1 or i != o:
            self.sc = nn.Sequential(nn.Conv2d(i, o, 1, stride, bias=False), nn.BatchNorm2d(o))

    def forward(self, x):
        return F.relu(self.bb(self.b(F.relu(self.ba(self.a(x))))) + self.sc(x))


def resnet18_cifar(width=64):
    layers = [nn.Conv2d(3, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
    c = width
    for f, s in [(1, 1), (1, 1), (2, 2), (2, 1), (4, 2), (4, 1), (8, 2), (8, 1)]:
        layers.append(Block(c, f * width, s))
        c = f * width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    return nn.Sequential(*layers), c


def nt_xent(z1, z2, tau):
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    s = z @ z.t() / tau - torch.eye(2 * n, device=z.device) * 1e9
    labels = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    return F.cross_entropy(s, labels)


def main():
    a, dev = parse_args(128, "images per step (2 views each)")
    enc, dim = resnet18_cifar()
    head = nn.Sequential(nn.Linear(dim, dim), nn.BatchNorm1d(dim), nn.ReLU(), nn.Linear(dim, 128))
    m = nn.Sequential(enc, head).to(dev).train()
    opt = torch.optim.Adam(m.parameters(), 1e-3)
    x = torch.rand(2 * a.batch, 3, 32, 32, generator=torch.Generator().manual_seed(1)).to(dev)

    def loss():
        z = m(x)
        return nt_xent(z[: a.batch], z[a.batch :], 0.5)

    time_and_report(update_step(opt, loss), a, dev, a.batch)


if __name__ == "__main__":
    main()
