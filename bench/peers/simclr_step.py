"""PyTorch peer of the SimCLR training step (bench/perf.ts runs it in the same invocation).

Same model, shapes and update as methods/simclr.ts (simclrStep, NCHW here, NHWC there): an
encoder f, the MLP projection head Linear(d, d)-BN-ReLU-Linear(d, --head-dim) with d the encoder's
output width, NT-Xent at --temperature over 2N views of 32x32x3 images, one Adam step (--lr, no
weight decay). BatchNorm in training mode (PyTorch's momentum 0.1 and eps 1e-5). Prints one JSON
line. Options and what they match in methods/:

  --encoder resnet18  ResNet-18 with the CIFAR stem (3x3 stride-1 first conv, no max-pool) and
                      global average pooling, d = 8 --width (encoders.ts "resnet18", stem cifar)
  --encoder small     encoders.ts "small": conv3x3 w (no bias)-BN-ReLU-maxpool 2x2,
                      conv3x3 2w-BN-ReLU-maxpool 2x2, conv3x3 4w-BN-ReLU, global average, d = 4w
  --width w           channels of the first stage (simclr config `width`)
  --head-dim          output width of the head (config `headDim`)
  --temperature       NT-Xent tau (config `temperature`)
  --lr                Adam's learning rate (config `lr` with optimizer adam, which uses it as is)
  --augment           each step builds the 2N views from one fixed batch of N random images with
                      augment.ts's SimCLR CIFAR augmentation (twoViews), batched on the device as
                      the suite does every training step: random resized crop to 32x32 (area in
                      [--crop-min, 1], aspect log-uniform in [3/4, 4/3], torchvision's 10
                      attempts and central fallback, bilinear), horizontal flip p 0.5, colour
                      jitter p 0.8 at strength --strength in a random order per image
                      (torchvision ColorJitter(0.8s, 0.8s, 0.8s, 0.2s)), grayscale p 0.2
                      (ITU-R 601 luma), no blur. The augmentation is inside the timed step. The
                      random parameters are drawn on the host and applied on the device, as
                      augment.ts does. Without it the 2N views are fixed random images.
  --augment-only      times the augmentation alone (the views, one value read back), no model
  --crop-min          smallest crop area fraction (config `cropMin`), with --augment
  --strength          colour distortion strength s (config `strength`), with --augment

  --method            the loss and the networks around the encoder and head (methods/):
                      simclr (NT-Xent); simsiam (predictor --pred-hidden, symmetrised negative
                      cosine with the target branch detached); byol (predictor, a target copy of
                      f and g updated by EMA at --tau after each step, symmetrised 2 - 2 cos;
                      --solarize2 solarises that share of the second views, as BYOL's
                      asymmetric augmentation);
                      moco (query f and g on the first views, a key copy on the second updated by
                      EMA at --tau, a --queue of earlier normalised keys, InfoNCE at
                      --temperature); barlow (cross-correlation, --lambda); vicreg (--sim-coeff,
                      --std-coeff, --cov-coeff).
                      The two-view ci presets train each with the small CNN and Adam, as here.

Defaults: the perf workload (simclrPerfStep): resnet18 at width 64, head 512-512-128, tau 0.5,
Adam 1e-3, fixed random views. The ci preset's training step: --encoder small --width 16
--batch 64 --temperature 0.2 --lr 0.01 --crop-min 0.2 --strength 0.5 --augment.
"""
import copy
import math

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


def small_cnn(width=16):
    """encoders.ts "small": three conv3x3-BN-ReLU stages (w, 2w, 4w), 2x2 max-pooling after the
    first two, global average pooling: h of 4w."""
    layers, c = [], 3
    for i, o in enumerate([width, 2 * width, 4 * width]):
        layers += [nn.Conv2d(c, o, 3, 1, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU()]
        if i < 2:
            layers.append(nn.MaxPool2d(2, 2))
        c = o
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    return nn.Sequential(*layers), c


def nt_xent(z1, z2, tau):
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    s = z @ z.t() / tau - torch.eye(2 * n, device=z.device) * 1e9
    labels = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    return F.cross_entropy(s, labels)


def mlp(i, hidden, o):
    """encoders.ts createHead("mlp"): Linear-BN-ReLU-Linear."""
    return nn.Sequential(nn.Linear(i, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Linear(hidden, o))


def cosine(p, z):
    return (F.normalize(p, dim=1) * F.normalize(z, dim=1)).sum(1)


def barlow_twins(z1, z2, lam):
    """barlow_vicreg_loss.ts barlowTwinsLoss: columns standardised (n - 1 divisor)."""
    n = z1.shape[0]
    a, b = (z1 - z1.mean(0)) / z1.std(0), (z2 - z2.mean(0)) / z2.std(0)
    c = a.t() @ b / n
    diag = torch.diagonal(c)
    return (diag - 1).pow(2).sum() + lam * (c.pow(2).sum() - diag.pow(2).sum())


def vicreg(z1, z2, sim=25.0, std=25.0, cov=1.0):
    """barlow_vicreg_loss.ts vicregLoss."""
    def variance(z):
        return F.relu(1 - torch.sqrt(z.var(0) + 1e-4)).mean()

    def covariance(z):
        n, d = z.shape
        z = z - z.mean(0)
        c = z.t() @ z / (n - 1)
        return (c.pow(2).sum() - torch.diagonal(c).pow(2).sum()) / d

    return (sim * F.mse_loss(z1, z2) + std * (variance(z1) + variance(z2))
            + cov * (covariance(z1) + covariance(z2)))


@torch.no_grad()
def ema(target, online, tau):
    for t, o in zip(target.parameters(), online.parameters()):
        t.mul_(tau).add_(o, alpha=1 - tau)


# ---------------------------------------------------------------------------------------------
# The SimCLR CIFAR augmentation (methods/augment.ts), NCHW floats in [0, 1]

LUMA = (0.299, 0.587, 0.114)  # ITU-R BT.601, as PIL's convert("L")
BRIGHTNESS, CONTRAST, SATURATION, HUE = range(4)  # ColorJitter's order of names


def sample_crops(m, h, w, g, scale, ratio=(3 / 4, 4 / 3)):
    """torchvision's RandomResizedCrop.get_params for m images at once: 10 attempts (area
    fraction uniform in scale, aspect ratio log-uniform in ratio; Python's round, half to even,
    as torch.round), the first that fits, else the central crop clamped to the ratio range.
    Returns (top, left, height, width), int64 tensors of m."""
    area = h * w
    s = scale[0] + (scale[1] - scale[0]) * torch.rand(m, 10, generator=g, dtype=torch.float64)
    lr0, lr1 = math.log(ratio[0]), math.log(ratio[1])
    r = torch.exp(lr0 + (lr1 - lr0) * torch.rand(m, 10, generator=g, dtype=torch.float64))
    cw = torch.round(torch.sqrt(area * s * r)).long()
    ch = torch.round(torch.sqrt(area * s / r)).long()
    ok = (cw > 0) & (cw <= w) & (ch > 0) & (ch <= h)
    first = ok.long().argmax(1, keepdim=True)  # 0 when none fits; replaced below
    cw, ch = cw.gather(1, first)[:, 0], ch.gather(1, first)[:, 0]
    top = (torch.rand(m, generator=g, dtype=torch.float64) * (h - ch + 1)).floor().long()
    left = (torch.rand(m, generator=g, dtype=torch.float64) * (w - cw + 1)).floor().long()
    fits = ok.any(1)
    if not bool(fits.all()):
        fw, fh = w, h
        if w / h < ratio[0]:
            fh = max(1, round(w / ratio[0]))
        elif w / h > ratio[1]:
            fw = max(1, round(h * ratio[1]))
        ch = torch.where(fits, ch, torch.full_like(ch, fh))
        cw = torch.where(fits, cw, torch.full_like(cw, fw))
        top = torch.where(fits, top, torch.full_like(top, (h - fh) // 2))
        left = torch.where(fits, left, torch.full_like(left, (w - fw) // 2))
    return top, left, ch, cw


def sample_params(m, h, w, g, crop_min, strength):
    """Every random draw of m views, on the host (augment.ts sampleAugmentParams)."""
    top, left, ch, cw = sample_crops(m, h, w, g, (crop_min, 1.0))
    flip = torch.rand(m, generator=g) < 0.5
    jitter = torch.rand(m, generator=g) < 0.8
    lo, hi = max(0.0, 1 - 0.8 * strength), 1 + 0.8 * strength
    factors = lo + (hi - lo) * torch.rand(m, 3, generator=g)  # brightness, contrast, saturation
    hue = 0.2 * strength * (2 * torch.rand(m, generator=g) - 1)
    order = torch.rand(m, 4, generator=g).argsort(1)  # a uniform random permutation per image
    gray = torch.rand(m, generator=g) < 0.2
    return dict(top=top, left=left, ch=ch, cw=cw, flip=flip, jitter=jitter, factors=factors,
                hue=hue, order=order, gray=gray)


def sample_grid(start, length, size, out):
    """Source pixel coordinates [m, out] of torchvision's crop-then-resize (F.interpolate,
    bilinear, align_corners=False, no antialiasing): start + (k + 1/2) length / out - 1/2,
    clamped to the crop's first and last pixel centres."""
    k = torch.arange(out, dtype=torch.float64) + 0.5
    src = k[None] * (length[:, None].double() / out) - 0.5
    src = torch.minimum(src.clamp(min=0), (length[:, None] - 1).double())
    return (start[:, None].double() + src).float()


def luma(x):
    """Per-pixel luma [m, 1, H, W]. (Not as a 1x1 convolution, as augment.ts does it for TF.js:
    in Debian's torch 1.13 a CPU convolution of 3 to 1 channels was ~100x slower than this.)"""
    return (x * x.new_tensor(LUMA).view(1, 3, 1, 1)).sum(1, keepdim=True)


def rotate_hue(x, shift):
    """torchvision's adjust_hue (via HSV; saturation and value kept) with per-image shifts in
    turns [m, 1, 1, 1]: hue in sixths of a turn h6, back by the closed form
    channel_n = V - C clip(min(k_n, 4 - k_n), 0, 1), k_n = (n + h6) mod 6, n = 5, 3, 1."""
    r, g, b = x[:, 0:1], x[:, 1:2], x[:, 2:3]
    maxc = torch.maximum(torch.maximum(r, g), b)
    chroma = maxc - torch.minimum(torch.minimum(r, g), b)
    safe = torch.where(chroma == 0, torch.ones_like(chroma), chroma)
    is_r = maxc == r
    is_g = (maxc == g) & ~is_r
    h6 = torch.where(is_r, (g - b) / safe, torch.where(is_g, (b - r) / safe + 2, (r - g) / safe + 4))
    k = torch.remainder(h6 + 6 * shift + x.new_tensor([5.0, 3.0, 1.0]).view(1, 3, 1, 1), 6)
    return maxc - chroma * torch.clamp(torch.minimum(k, 4 - k), 0, 1)


def apply_augment(images, p, out=32):
    """Applies sampled parameters to images [m, 3, H, W] on their device: one grid_sample for
    all crops and flips, per-image factors as [m, 1, 1, 1] tensors, the hue only on the images
    whose order puts it at that step (indices known on the host, so nothing waits for the
    device), then the colour drop."""
    m, _, h, w = images.shape
    dev = images.device
    ys = sample_grid(p["top"], p["ch"], h, out)
    xs = sample_grid(p["left"], p["cw"], w, out)
    xs = torch.where(p["flip"][:, None], xs.flip(1), xs)
    # align_corners=True: -1 and 1 are the centres of the first and last pixels
    yn = (2 * ys / (h - 1) - 1).to(dev, non_blocking=True)
    xn = (2 * xs / (w - 1) - 1).to(dev, non_blocking=True)
    grid = torch.stack([xn[:, None, :].expand(m, out, out), yn[:, :, None].expand(m, out, out)], 3)
    x = F.grid_sample(images, grid, mode="bilinear", padding_mode="border", align_corners=True)

    jit = p["jitter"]
    per = lambda v: v.view(-1, 1, 1, 1).to(dev, non_blocking=True)
    for step in range(4):
        op = torch.where(jit, p["order"][:, step], torch.full((m,), -1))
        a, b, c = torch.ones(m), torch.zeros(m), torch.zeros(m)
        f = p["factors"]
        a = torch.where(op == BRIGHTNESS, f[:, 0], a)
        a = torch.where(op == CONTRAST, f[:, 1], a)
        c = torch.where(op == CONTRAST, 1 - f[:, 1], c)
        a = torch.where(op == SATURATION, f[:, 2], a)
        b = torch.where(op == SATURATION, 1 - f[:, 2], b)
        if bool((a != 1).any() or (b != 0).any() or (c != 0).any()):
            scaled = x * per(a)
            if bool((b != 0).any() or (c != 0).any()):
                gray = luma(x)
                scaled = scaled + gray * per(b) + gray.mean((1, 2, 3), keepdim=True) * per(c)
            x = scaled.clamp(0, 1)
        idx = torch.nonzero((op == HUE) & (p["hue"] != 0))[:, 0]
        if len(idx):
            di = idx.to(dev, non_blocking=True)
            turned = rotate_hue(x[di], per(p["hue"][idx])).clamp(0, 1)
            x = x.index_copy(0, di, turned)
    if bool(p["gray"].any()):
        x = torch.where(per(p["gray"]), luma(x).expand_as(x), x)
    return x


def main():
    a, dev = parse_args(128, "images per step (2 views each)", [
        ("--encoder", "resnet18", "encoder f (methods/encoders.ts)", ["resnet18", "small"]),
        ("--width", 64, "channels of the first stage"),
        ("--head-dim", 128, "output width of the MLP head"),
        ("--temperature", 0.5, "NT-Xent temperature"),
        ("--lr", 1e-3, "Adam learning rate"),
        ("--augment", False, "build the 2N views every step with the SimCLR CIFAR augmentation"),
        ("--augment-only", False, "time the augmentation alone (implies --augment): no model step"),
        ("--crop-min", 0.08, "smallest crop area fraction (with --augment)"),
        ("--strength", 0.5, "colour distortion strength s (with --augment)"),
        ("--method", "simclr", "loss and networks around f and g",
         ["simclr", "simsiam", "byol", "moco", "barlow", "vicreg"]),
        ("--pred-hidden", 256, "hidden width of the predictor (simsiam, byol)"),
        ("--tau", 0.99, "EMA decay of the target / key copy (byol, moco)"),
        ("--queue", 1024, "negatives kept (moco)"),
        ("--solarize2", 0.0, "probability of solarising a second view (byol: 0.2), with --augment"),
        ("--lambda", 5e-3, "off-diagonal weight (barlow)"),
        ("--sim-coeff", 25.0, "invariance weight (vicreg)"),
        ("--std-coeff", 25.0, "variance weight (vicreg)"),
        ("--cov-coeff", 1.0, "covariance weight (vicreg)"),
    ])
    enc, dim = (resnet18_cifar if a.encoder == "resnet18" else small_cnn)(a.width)
    head = nn.Sequential(nn.Linear(dim, dim), nn.BatchNorm1d(dim), nn.ReLU(),
                         nn.Linear(dim, a.head_dim))
    m = nn.Sequential(enc, head).to(dev).train()
    pred = mlp(a.head_dim, a.pred_hidden, a.head_dim).to(dev).train()
    learned = list(m.parameters()) + (list(pred.parameters()) if a.method in ("simsiam", "byol")
                                      else [])
    opt = torch.optim.Adam(learned, a.lr)
    target = copy.deepcopy(m).requires_grad_(False) if a.method in ("byol", "moco") else None
    queue = F.normalize(torch.randn(a.queue, a.head_dim, device=dev), dim=1)
    n = a.batch
    if a.augment or a.augment_only:
        images = torch.rand(n, 3, 32, 32, generator=torch.Generator().manual_seed(1)).to(dev)
        doubled = torch.cat([images, images])  # rows i and n + i: the two views of image i
        g = torch.Generator().manual_seed(2)

        def views():
            v = apply_augment(doubled, sample_params(2 * n, 32, 32, g, a.crop_min, a.strength))
            if a.solarize2 > 0:  # BYOL's second views (augment.ts solarizeProb): x >= 0.5 -> 1 - x
                second = (torch.rand(2 * n, generator=g) < a.solarize2) & (torch.arange(2 * n) >= n)
                flip = second.view(-1, 1, 1, 1).to(dev) & (v >= 0.5)
                v = torch.where(flip, 1 - v, v)
            return v
    else:
        x = torch.rand(2 * n, 3, 32, 32, generator=torch.Generator().manual_seed(1)).to(dev)
        views = lambda: x

    if a.augment_only:  # one value read back, as bench/perf.ts's augmentation row does
        time_and_report(lambda: views()[0, 0, 0, 0], a, dev, n)
        return

    def loss():
        v = views()
        if a.method == "moco":
            nonlocal queue
            q = F.normalize(m(v[:n]), dim=1)
            with torch.no_grad():
                k = F.normalize(target(v[n:]), dim=1)
            logits = torch.cat([(q * k).sum(1, keepdim=True), q @ queue.t()], 1) / a.temperature
            queue = torch.cat([k, queue[:-n]]) if n < a.queue else k[:a.queue]
            return F.cross_entropy(logits, torch.zeros(n, dtype=torch.long, device=dev))
        z = m(v)
        if a.method == "simclr":
            return nt_xent(z[:n], z[n:], a.temperature)
        if a.method == "barlow":
            return barlow_twins(z[:n], z[n:], getattr(a, "lambda"))
        if a.method == "vicreg":
            return vicreg(z[:n], z[n:], a.sim_coeff, a.std_coeff, a.cov_coeff)
        p = pred(z)
        if a.method == "simsiam":
            zd = z.detach()
            return -0.5 * (cosine(p[:n], zd[n:]).mean() + cosine(p[n:], zd[:n]).mean())
        with torch.no_grad():  # byol
            t = target(v)
        return (2 - 2 * cosine(p[:n], t[n:])).mean() + (2 - 2 * cosine(p[n:], t[:n])).mean()

    step = update_step(opt, loss)

    def step_and_follow():
        out = step()
        if target is not None:
            ema(target, m, a.tau)
        return out

    time_and_report(step_and_follow, a, dev, n)


if __name__ == "__main__":
    main()
