"""PyTorch twin of bench/unet2d.ts (CPU) and bench/gpu.ts (CUDA): the same 2D U-Net (4 levels, 16/32/64/128
channels, two 3x3 conv + bias + ReLU per level, 2x2 max-pool, 2x2 stride-2 transposed
conv, skip concatenation, 1x1 head to 4 classes), softmax cross-entropy, Adam, one
training step on a batch of 8x128x128x1. Prints progress to stderr and, last on stdout,
one JSON line: {"median_ms", "threads", "torch", "flops", "device"} (+ "gpu", "tf32" on CUDA).

Launched by `npm run bench` with Debian's /usr/bin/python3 (python3-torch), on the CPU, and by
`npm run bench:gpu` with `--device cuda`: eager mode, strict fp32 unless --tf32 (PyTorch's own
default allows TF32 in convolutions), the clock read after torch.cuda.synchronize().
"""
import argparse
import json
import statistics
import sys
import time

import torch
from torch import nn

CHANNELS = [16, 32, 64, 128]
CLASSES = 4
IN_CHANNELS = 1


class UNet(nn.Module):
    def __init__(self):
        super().__init__()

        def block(cin, c):
            return nn.Sequential(nn.Conv2d(cin, c, 3, padding=1), nn.ReLU(inplace=True),
                                 nn.Conv2d(c, c, 3, padding=1), nn.ReLU(inplace=True))

        self.enc = nn.ModuleList()
        cin = IN_CHANNELS
        for c in CHANNELS:
            self.enc.append(block(cin, c))
            cin = c
        self.up = nn.ModuleList()
        self.dec = nn.ModuleList()
        for lvl in range(len(CHANNELS) - 2, -1, -1):
            c = CHANNELS[lvl]
            self.up.append(nn.ConvTranspose2d(CHANNELS[lvl + 1], c, 2, stride=2))
            self.dec.append(block(2 * c, c))
        self.head = nn.Conv2d(CHANNELS[0], CLASSES, 1)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        skips = []
        for i, blk in enumerate(self.enc):
            x = blk(x)
            if i < len(self.enc) - 1:
                skips.append(x)
                x = self.pool(x)
        for up, dec in zip(self.up, self.dec):
            x = dec(torch.cat([skips.pop(), up(x)], 1))
        return self.head(x)


def forward_macs(size):
    macs = 0
    cin = IN_CHANNELS
    for lvl, c in enumerate(CHANNELS):
        px = (size >> lvl) ** 2
        macs += px * 9 * (cin * c + c * c)
        cin = c
    for lvl in range(len(CHANNELS) - 2, -1, -1):
        px = (size >> lvl) ** 2
        c = CHANNELS[lvl]
        macs += (px // 4) * 4 * CHANNELS[lvl + 1] * c
        macs += px * 9 * (2 * c * c + c * c)
    macs += size * size * CHANNELS[0] * CLASSES
    return macs


def family_of(name):
    """The kernel family (bench/kernel-profile.ts) of a top-level profiler event."""
    if name in ('aten::conv2d', 'aten::conv_transpose2d', 'aten::convolution'):
        return 'conv forward'
    if name.endswith('ConvolutionBackward0'):
        return 'conv backward'  # input and filter gradient in one op (slow_conv2d_backward on this CPU path)
    if 'norm' in name.lower():
        return 'norm'
    if name.startswith('Optimizer.'):
        return 'optimizer'
    return 'element-wise & other'


def profile_families(step):
    """Milliseconds per family of one step: each top-level event's CPU wall time on this thread."""
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        step()
    families = {'conv forward': 0.0, 'conv backward': 0.0, 'norm': 0.0, 'element-wise & other': 0.0, 'optimizer': 0.0}
    for e in prof.events():
        if e.cpu_parent is None:
            families[family_of(e.name)] += e.cpu_time_total / 1000.0
    return families


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--steps', type=int, default=5)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--size', type=int, default=128)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--profile', action='store_true', help='add one step under torch.profiler, split by kernel family (CPU)')
    ap.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    ap.add_argument('--tf32', action='store_true', help='CUDA: allow TF32 in convolutions and matrix products')
    a = ap.parse_args()
    cuda = a.device == 'cuda'
    if cuda:
        if not torch.cuda.is_available():
            sys.exit(f'--device cuda: torch {torch.__version__} finds no CUDA device')
        torch.backends.cudnn.allow_tf32 = a.tf32
        torch.backends.cuda.matmul.allow_tf32 = a.tf32
    else:
        torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    torch.manual_seed(1)
    model = UNet().to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(a.batch, IN_CHANNELS, a.size, a.size).to(dev)
    y = torch.randint(0, CLASSES, (a.batch, a.size, a.size)).to(dev)
    loss_fn = nn.CrossEntropyLoss()
    times = []

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    def sync():
        if cuda:
            torch.cuda.synchronize()

    for i in range(a.warmup + a.steps):
        sync()
        t0 = time.perf_counter()
        value = step()
        sync()
        ms = (time.perf_counter() - t0) * 1000
        if i >= a.warmup:
            times.append(ms)
        print(f'  torch step {i + 1}: {ms:.0f} ms, loss {value:.4f}', file=sys.stderr)
    out = {'median_ms': statistics.median(times), 'threads': torch.get_num_threads(),
           'torch': torch.__version__, 'flops': 3 * 2 * forward_macs(a.size) * a.batch, 'device': a.device}
    if cuda:
        out['gpu'] = torch.cuda.get_device_name(0)
        out['tf32'] = a.tf32
    if a.profile and not cuda:
        out['families'] = profile_families(step)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
