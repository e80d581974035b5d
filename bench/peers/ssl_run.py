"""Full-run PyTorch peer of a two-view method: training and evaluation on the same recipe as the
suite's run (bench/peer_main.ts writes the data and runs this; `deno task peer --help`).

What it shares with the suite, written out in PyTorch (NCHW here, NHWC there):
- data: the run's own decoded images (--data PREFIX: PREFIX-train.u8 / .json and PREFIX-test.*,
  written by the suite from its loader, so both sides see the same pixels and the same
  class-balanced subset);
- networks, losses and augmentation: bench/peers/simclr_step.py (encoders.ts "small" and
  ResNet-18, the MLP heads, NT-Xent, BYOL's and SimSiam's cosine losses, MoCo's queue, Barlow
  Twins, VICReg; augment.ts's SimCLR CIFAR augmentation with BYOL's solarisation of second
  views); initialised as core/layers.ts does (convolutions He-normal, linear weights
  U(-1/sqrt(fan_in), 1/sqrt(fan_in)), biases 0, BatchNorm 1 and 0);
- the loop (methods/two_view.ts batchTrainer): batches of --batch images in an order shuffled
  every epoch, the last partial batch dropped, the learning rate warmed up linearly then
  cosine-decayed per step (core/optim.ts warmupCosine), the peak lr x batch / 256 for sgd and
  lars; the optimisers as core/optim.ts writes them (Adam with L2 decay on weights only; SGD and
  LARS: buf = momentum buf + lr trust (g + wd w), w -= buf); BYOL's target decay rising from
  --tau to 1 on a cosine (methods/momentum.ts cosineTau), MoCo's key decay --tau constant;
- the evaluation (eval/): features h (and z) with BatchNorm in eval mode; weighted kNN (cosine
  similarity of L2-normalised rows, the top k weighted exp(sim / T)); linear and MLP probes on
  standardised features (train mean and population std + 1e-6), softmax cross-entropy + wd x the
  sum of squared weights, Adam (0.9, 0.999, eps 1e-7) in double precision; the same on h of a
  randomly initialised encoder.

Not shared: the random draws (torch's generators, seeded from --seed), so seeds of the two sides
are independent samples of the same recipe. Prints progress on stderr and one JSON object on
stdout.
"""
import argparse
import copy
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from simclr_step import (apply_augment, barlow_twins, cosine, ema, mlp, nt_xent, resnet18_cifar,
                         sample_params, small_cnn, vicreg)

METHODS = ["simclr", "byol", "simsiam", "moco", "barlow", "vicreg"]


def parse():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = ap.add_argument
    add("--method", choices=METHODS, required=True)
    add("--data", required=True, help="prefix of the data files the suite wrote")
    add("--seed", type=int, default=0)
    add("--threads", type=int, default=0, help="0 = torch's default")
    add("--encoder", choices=["small", "resnet18"], default="small")
    add("--width", type=int, default=16)
    add("--head", choices=["none", "linear", "mlp"], default="mlp")
    add("--head-dim", type=int, default=128)
    add("--pred-hidden", type=int, default=256)
    add("--batch", type=int, default=128)
    add("--epochs", type=int, default=10)
    add("--optimizer", choices=["adam", "sgd", "lars"], default="adam")
    add("--lr", type=float, default=1e-3, help="as the suite's lr: x batch / 256 for sgd, lars")
    add("--momentum", type=float, default=0.9)
    add("--weight-decay", type=float, default=0.0)
    add("--warmup-epochs", type=float, default=0.0)
    add("--eta", type=float, default=0.001, help="LARS trust coefficient")
    add("--temperature", type=float, default=0.5)
    add("--strength", type=float, default=0.5)
    add("--crop-min", type=float, default=0.08)
    add("--solarize2", type=float, default=0.0)
    add("--tau", type=float, default=0.99, help="byol: tau_base (cosine to 1); moco: constant")
    add("--queue", type=int, default=4096)
    add("--lambda", type=float, default=5e-3)
    add("--sim-coeff", type=float, default=25.0)
    add("--std-coeff", type=float, default=25.0)
    add("--cov-coeff", type=float, default=1.0)
    add("--knn-k", type=int, default=200)
    add("--knn-t", type=float, default=0.1)
    add("--probe-epochs", type=int, default=20)
    add("--probe-lr", type=float, default=1e-3)
    add("--probe-batch", type=int, default=256)
    add("--probe-decay", type=float, default=1e-5)
    add("--mlp-hidden", type=int, default=256)
    add("--eval-batch", type=int, default=500)
    return ap.parse_args()


def load(prefix, split):
    """The suite's decoded split: uint8 NHWC images and the labels from the JSON beside them."""
    with open(f"{prefix}-{split}.json") as f:
        meta = json.load(f)
    raw = np.fromfile(f"{prefix}-{split}.u8", dtype=np.uint8)
    shape = (meta["n"], meta["height"], meta["width"], meta["channels"])
    if raw.size != math.prod(shape):
        sys.exit(f"{prefix}-{split}.u8: {raw.size} bytes, expected {math.prod(shape)}")
    x = torch.from_numpy(raw.reshape(shape)).permute(0, 3, 1, 2).float().div(255)
    return x.contiguous(), torch.tensor(meta["labels"], dtype=torch.long), len(meta["classes"])


def init_weights(module):
    """core/layers.ts: He-normal convolutions, U(-1/sqrt(fan_in), ..) linear weights, zero
    biases (BatchNorm's 1 and 0 are PyTorch's too)."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
        elif isinstance(m, nn.Linear):
            lim = 1 / math.sqrt(m.in_features)
            nn.init.uniform_(m.weight, -lim, lim)
            nn.init.zeros_(m.bias)
    return module


def encoder(a):
    return (resnet18_cifar if a.encoder == "resnet18" else small_cnn)(a.width)


def head(kind, d, out):
    if kind == "none":
        return nn.Identity(), d
    if kind == "linear":
        return nn.Linear(d, out), out
    return mlp(d, d, out), out  # encoders.ts createHead("mlp"): hidden = the input width


class Model(nn.Module):
    """f, g (and the predictor q for byol and simsiam)."""

    def __init__(self, a):
        super().__init__()
        self.f, d = encoder(a)
        self.g, self.dim = head(a.head, d, a.head_dim)
        self.q = mlp(self.dim, a.pred_hidden, self.dim) if a.method in ("byol", "simsiam") \
            else None
        init_weights(self)


def decay_flags(model):
    """core/layers.ts Param.decay: weights of convolutions and linear layers only."""
    flags = {}
    for m in model.modules():
        for name, p in m.named_parameters(recurse=False):
            flags[p] = isinstance(m, (nn.Conv2d, nn.Linear)) and name == "weight"
    return flags


class SuiteOptimizer:
    """core/optim.ts createOptimizer, step for step."""

    def __init__(self, params, flags, a):
        self.params, self.flags, self.a, self.t = params, flags, a, 0
        self.state = {p: None for p in params}

    @torch.no_grad()
    def step(self, lr):
        a = self.a
        self.t += 1
        for p in self.params:
            if p.grad is None:
                continue
            wd = a.weight_decay if self.flags[p] else 0.0
            g = p.grad + wd * p if wd > 0 else p.grad
            if a.optimizer == "adam":
                if self.state[p] is None:
                    self.state[p] = (torch.zeros_like(p), torch.zeros_like(p))
                m, v = self.state[p]
                m.mul_(0.9).add_(g, alpha=0.1)
                v.mul_(0.999).addcmul_(g, g, value=0.001)
                c1, c2 = 1 - 0.9 ** self.t, 1 - 0.999 ** self.t
                p.sub_(lr * (m / c1) / ((v / c2).sqrt() + 1e-8))
                continue
            scale = lr
            if a.optimizer == "lars" and self.flags[p]:
                wn, gn = p.norm(), g.norm()
                if wn > 0 and gn > 0:
                    scale = lr * float(a.eta * wn / gn)
            if self.state[p] is None:
                self.state[p] = torch.zeros_like(p)
            buf = self.state[p]
            buf.mul_(a.momentum).add_(g, alpha=scale)
            p.sub_(buf)


def warmup_cosine(step, total, warmup, peak):
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return peak * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def views_of(x, g, a):
    """The 2N views of a batch (rows i and N + i: image i's two views), as augment.ts twoViews,
    with BYOL's solarisation of a share of the second views."""
    n = x.shape[0]
    v = apply_augment(torch.cat([x, x]), sample_params(2 * n, x.shape[2], x.shape[3], g,
                                                       a.crop_min, a.strength))
    if a.solarize2 > 0:
        second = (torch.rand(2 * n, generator=g) < a.solarize2) & (torch.arange(2 * n) >= n)
        v = torch.where(second.view(-1, 1, 1, 1) & (v >= 0.5), 1 - v, v)
    return v


def train(a, x, log):
    m = Model(a).train()
    opt = SuiteOptimizer(list(m.parameters()), decay_flags(m), a)
    target = copy.deepcopy(nn.Sequential(m.f, m.g)).requires_grad_(False) \
        if a.method in ("byol", "moco") else None
    queue = F.normalize(torch.randn(a.queue, m.dim), dim=1) if a.method == "moco" else None
    g = torch.Generator().manual_seed(a.seed + 1_000_003)
    n = x.shape[0]
    batch = min(a.batch, n - n % 2)
    per_epoch = n // batch
    total = a.epochs * per_epoch
    warmup = round(a.warmup_epochs * per_epoch)
    peak = a.lr if a.optimizer == "adam" else a.lr * batch / 256
    step, losses, t0 = 0, [], time.time()
    for epoch in range(a.epochs):
        order = torch.randperm(n, generator=g)
        sums = 0.0
        for i in range(per_epoch):
            v = views_of(x[order[i * batch:(i + 1) * batch]], g, a)
            h = batch
            if a.method == "moco":
                q = m.g(m.f(v[:h]))
                with torch.no_grad():
                    k = F.normalize(target(v[h:]), dim=1)
                qn = F.normalize(q, dim=1)
                logits = torch.cat([(qn * k).sum(1, keepdim=True), qn @ queue.t()], 1)
                loss = F.cross_entropy(logits / a.temperature, torch.zeros(h, dtype=torch.long))
            else:
                z = m.g(m.f(v))
                if a.method == "simclr":
                    loss = nt_xent(z[:h], z[h:], a.temperature)
                elif a.method == "barlow":
                    loss = barlow_twins(z[:h], z[h:], getattr(a, "lambda"))
                elif a.method == "vicreg":
                    loss = vicreg(z[:h], z[h:], a.sim_coeff, a.std_coeff, a.cov_coeff)
                elif a.method == "simsiam":
                    p, zd = m.q(z), z.detach()
                    loss = -0.5 * (cosine(p[:h], zd[h:]).mean() + cosine(p[h:], zd[:h]).mean())
                else:  # byol
                    p = m.q(z)
                    with torch.no_grad():
                        t = target(v)
                    loss = (2 - 2 * cosine(p[:h], t[h:])).mean() + \
                        (2 - 2 * cosine(p[h:], t[:h])).mean()
            m.zero_grad(set_to_none=True)
            loss.backward()
            opt.step(warmup_cosine(step, total, warmup, peak))
            if a.method == "byol":
                ema(target, nn.Sequential(m.f, m.g),
                    1 - (1 - a.tau) * (math.cos(math.pi * step / max(1, total)) + 1) / 2)
            elif a.method == "moco":
                ema(target, nn.Sequential(m.f, m.g), a.tau)
                queue = torch.cat([k, queue[:-h]]) if h < a.queue else k[:a.queue]
            value = float(loss)
            if not math.isfinite(value):
                sys.exit(f"loss {value} at step {step}: lower --lr")
            sums += value
            step += 1
        losses.append(sums / per_epoch)
        log(f"epoch {epoch + 1}/{a.epochs}: loss {losses[-1]:.4f}, {time.time() - t0:.0f} s")
    return m, losses, time.time() - t0, total * batch


@torch.no_grad()
def features(net, x, batch):
    net.eval()
    return torch.cat([net(x[s:s + batch]) for s in range(0, x.shape[0], batch)])


@torch.no_grad()
def knn(ftr, ytr, fte, yte, k, t, classes):
    """eval/features.ts weightedKnnAccuracy."""
    ref = F.normalize(ftr, dim=1)
    correct = 0
    for s in range(0, fte.shape[0], 256):
        sim = F.normalize(fte[s:s + 256], dim=1) @ ref.t()
        values, idx = sim.topk(min(k, ref.shape[0]), dim=1)
        votes = F.one_hot(ytr[idx], classes).float() * (values / t).exp()[:, :, None]
        correct += int((votes.sum(1).argmax(1) == yte[s:s + 256]).sum())
    return correct / fte.shape[0]


def probe(ftr, ytr, fte, yte, classes, hidden, a, g):
    """eval/probe.ts probeAccuracy, in double precision."""
    mean = ftr.double().mean(0)
    sd = ftr.double().sub(mean).pow(2).mean(0).sqrt() + 1e-6
    xtr, xte = (ftr.double() - mean) / sd, (fte.double() - mean) / sd
    dims = [xtr.shape[1]] + ([hidden] if hidden else []) + [classes]
    layers = []
    for i, o in zip(dims[:-1], dims[1:]):
        lim = 1 / math.sqrt(i)
        w = ((torch.rand(i, o, generator=g, dtype=torch.float64) * 2 - 1) * lim).requires_grad_()
        layers.append((w, torch.zeros(o, dtype=torch.float64, requires_grad=True)))
    params = [p for layer in layers for p in layer]
    opt = torch.optim.Adam(params, a.probe_lr, betas=(0.9, 0.999), eps=1e-7)

    def forward(x):
        for j, (w, b) in enumerate(layers):
            x = x @ w + b
            if j < len(layers) - 1:
                x = x.relu()
        return x

    n = xtr.shape[0]
    for _ in range(a.probe_epochs):
        order = torch.randperm(n, generator=g)
        for s in range(0, n, a.probe_batch):
            idx = order[s:s + a.probe_batch]
            loss = F.cross_entropy(forward(xtr[idx]), ytr[idx]) + \
                a.probe_decay * sum((w * w).sum() for w, _ in layers)
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        return float((forward(xte).argmax(1) == yte).double().mean())


def evaluate(nets, xtr, ytr, xte, yte, classes, a, g):
    out = {}
    for key, net in nets.items():
        ftr, fte = features(net, xtr, a.eval_batch), features(net, xte, a.eval_batch)
        out[key] = {
            "knn": knn(ftr, ytr, fte, yte, a.knn_k, a.knn_t, classes),
            "linear": probe(ftr, ytr, fte, yte, classes, 0, a, g),
            "mlp": probe(ftr, ytr, fte, yte, classes, a.mlp_hidden, a, g),
        }
    return out


def main():
    a = parse()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    log = lambda s: print(f"[pytorch {a.method} seed {a.seed}] {s}", file=sys.stderr, flush=True)
    xtr, ytr, classes = load(a.data, "train")
    xte, yte, _ = load(a.data, "test")
    log(f"training on {xtr.shape[0]} images, {a.epochs} epochs")
    m, losses, train_s, images = train(a, xtr, log)
    t0 = time.time()
    random = Model(a)  # the same shapes with fresh weights, as the suite's random-init rows
    nets = {"h": m.f, "random_h": random.f}
    if a.head != "none":
        nets["z"] = nn.Sequential(m.f, m.g)
    acc = evaluate(nets, xtr, ytr, xte, yte, classes, a,
                   torch.Generator().manual_seed(a.seed + 2_000_003))
    eval_s = time.time() - t0
    log(f"kNN on h {acc['h']['knn']:.4f} (random {acc['random_h']['knn']:.4f}), "
        f"linear {acc['h']['linear']:.4f} (random {acc['random_h']['linear']:.4f})")
    print(json.dumps({
        "peer": "pytorch", "torch": torch.__version__,
        "threads": torch.get_num_threads(), "method": a.method, "seed": a.seed,
        "args": vars(a), "train": xtr.shape[0], "test": xte.shape[0],
        "train_s": train_s, "eval_s": eval_s, "images_per_s": 2 * images / train_s,
        "epoch_losses": losses, "accuracy": acc,
    }))


if __name__ == "__main__":
    main()
