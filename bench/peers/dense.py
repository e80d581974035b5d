"""PyTorch peer of bench/perf.ts's dense-throughput probes: one large kernel, timed alone.

--op matmul: an n x n by n x n matrix product (2 n^3 FLOPs).
--op conv: a 3x3 'same' convolution of --batch images of n x n x c to c channels, no bias
(2 x batch x n^2 x c^2 x 9 FLOPs), channels-last as TF.js's NHWC.
Each step computes the product and reads one value back, as the TF.js probe does.
Prints one JSON line.
"""
import torch
import torch.nn.functional as F

from common import parse_args, time_and_report

a, dev = parse_args(1, "images per convolution (--op conv)", [
    ("--op", "matmul", "which probe", ["matmul", "conv"]),
    ("--n", 1024, "matrix side (matmul) or image side (conv)"),
    ("--channels", 64, "input and output channels (conv)"),
])
with torch.no_grad():
    if a.op == "matmul":
        x = torch.rand(a.n, a.n, device=dev) - 0.5
        w = torch.rand(a.n, a.n, device=dev) - 0.5
        step = lambda: torch.mm(x, w)[0, 0]
    else:
        x = (torch.rand(a.batch, a.channels, a.n, a.n, device=dev) - 0.5).to(
            memory_format=torch.channels_last)
        w = torch.rand(a.channels, a.channels, 3, 3, device=dev) - 0.5
        step = lambda: F.conv2d(x, w, padding=1)[0, 0, 0, 0]
    time_and_report(step, a, dev, a.batch if a.op == "conv" else 1)
