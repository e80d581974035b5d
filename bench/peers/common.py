"""What the PyTorch peers share: arguments, the timing loop and the JSON line bench/perf.ts reads."""
import argparse, json, platform, statistics, time

import torch


def parse_args(default_batch, batch_help, extra=()):
    """extra: (flag, default, help) or (flag, default, help, choices) options a peer adds to the
    shared ones. The default's type is the option's: int, float or str; a bool default makes a
    flag that is off unless given (store_true)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=default_batch, help=batch_help)
    for flag, default, help_, *choices in extra:
        if isinstance(default, bool):
            ap.add_argument(flag, action="store_true", default=default, help=help_)
        else:
            ap.add_argument(flag, type=type(default), default=default, help=help_,
                            choices=choices[0] if choices else None)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=0, help="0 = torch default")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    return a, torch.device(a.device)


def update_step(opt, loss_fn):
    """A training step: loss_fn() (forward), backward, one opt update; returns the loss tensor."""

    def step():
        loss = loss_fn()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def time_and_report(step, a, dev, images):
    """Runs step() (forward, backward, update; returns the loss tensor) warmup + steps times,
    reading the loss every step, and prints the median step time as one JSON line."""
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    times = []
    for i in range(a.warmup + a.steps):
        sync()
        t0 = time.perf_counter()
        loss = step().item()
        sync()
        if i >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
    med = statistics.median(times)
    cpu = f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"
    print(json.dumps({
        "peer": "pytorch",
        "torch": torch.__version__,
        "device": torch.cuda.get_device_name(0) if dev.type == "cuda" else cpu,
        "batch_images": images,
        "median_ms": med,
        "images_per_s": images / (med / 1000),
        "peak_mib": torch.cuda.max_memory_allocated() / 2**20 if dev.type == "cuda" else None,
        "loss": loss,
    }))
