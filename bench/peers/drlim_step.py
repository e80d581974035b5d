"""PyTorch peer of the DrLIM training step (bench/perf.ts runs it in the same invocation).

Same model, shapes and update as methods/drlim.ts: the paper network (conv 15@6x6, ReLU, 3x3
average-pool subsampling, conv 30@9x9, ReLU, linear 30->2) applied to a pair of batches of
32x32 images, the contrastive loss with margin 1, one Adam step. Prints one JSON line.
"""
import argparse, json, platform, statistics, time

import torch
import torch.nn as nn
import torch.nn.functional as F


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
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=512, help="pairs per step")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="0 = torch default")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    dev = torch.device(a.device)
    m = PaperNet().to(dev)
    opt = torch.optim.Adam(m.parameters(), 1e-3)
    g = torch.Generator().manual_seed(1)
    x = torch.rand(2 * a.batch, 1, 32, 32, generator=g).to(dev)
    y = (torch.rand(a.batch, generator=g) > 0.5).float().to(dev)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    times = []
    for i in range(a.warmup + a.steps):
        sync()
        t0 = time.perf_counter()
        z = m(x)
        za, zb = z[: a.batch], z[a.batch :]
        d2 = ((za - zb) ** 2).sum(1)
        d = torch.sqrt(d2 + 1e-12)
        loss = 0.5 * (y * d2 + (1 - y) * F.relu(1.0 - d) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss.item()
        sync()
        if i >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
    med = statistics.median(times)
    print(json.dumps({
        "peer": "pytorch",
        "torch": torch.__version__,
        "device": torch.cuda.get_device_name(0) if dev.type == "cuda" else f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)",
        "batch_pairs": a.batch,
        "median_ms": med,
        "images_per_s": 2 * a.batch / (med / 1000),
        "loss": loss.item(),
    }))


if __name__ == "__main__":
    main()
