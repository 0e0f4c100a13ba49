"""PyTorch reference of the benchmarked training step: SSL4MIS 2D U-Net (16-32-64-128-256, bilinear
up-sampling), loss 0.5 * (CE + soft Dice), SGD momentum 0.9, weight decay 1e-4, batch 4 x 1 x 128 x 128,
4 classes. Prints one line `RESULT {json}`.

Usage: python3 bench/torch_unet.py --threads 1 --steps 5 --warmup 2 [--device cpu|cuda]
"""
import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvBlock(nn.Module):
    def __init__(self, cin, cout, dropout):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.LeakyReLU(0.01), nn.Dropout(dropout),
            nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.LeakyReLU(0.01))

    def forward(self, x):
        return self.conv(x)


class Down(nn.Module):
    def __init__(self, cin, cout, dropout):
        super().__init__()
        self.block = nn.Sequential(nn.MaxPool2d(2), ConvBlock(cin, cout, dropout))

    def forward(self, x):
        return self.block(x)


class Up(nn.Module):
    def __init__(self, cin1, cin2, cout):
        super().__init__()
        self.conv1x1 = nn.Conv2d(cin1, cin2, 1)
        self.up = nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True)
        self.conv = ConvBlock(cin2 * 2, cout, 0.0)

    def forward(self, x1, x2):
        x1 = self.up(self.conv1x1(x1))
        return self.conv(torch.cat([x2, x1], dim=1))


class UNet(nn.Module):
    def __init__(self, in_chns=1, class_num=4, ch=(16, 32, 64, 128, 256), dropout=(0.05, 0.1, 0.2, 0.3, 0.5)):
        super().__init__()
        self.inc = ConvBlock(in_chns, ch[0], dropout[0])
        self.downs = nn.ModuleList([Down(ch[i], ch[i + 1], dropout[i + 1]) for i in range(4)])
        self.ups = nn.ModuleList([Up(ch[4 - i], ch[3 - i], ch[3 - i]) for i in range(4)])
        self.out = nn.Conv2d(ch[0], class_num, 3, padding=1)

    def forward(self, x):
        feats = [self.inc(x)]
        for d in self.downs:
            feats.append(d(feats[-1]))
        x = feats[-1]
        for i, u in enumerate(self.ups):
            x = u(x, feats[3 - i])
        return self.out(x)


def dice_loss(logits, onehot, smooth=1e-5):
    p = torch.softmax(logits, dim=1)
    inter = (p * onehot).sum(dim=(0, 2, 3))
    z = (p * p).sum(dim=(0, 2, 3))
    y = (onehot * onehot).sum(dim=(0, 2, 3))
    return (1 - (2 * inter + smooth) / (z + y + smooth)).mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--steps', type=int, default=5)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1337)
    n, s, k = 4, 128, 4
    dev = torch.device(a.device)
    net = UNet().to(dev)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    x = torch.rand(n, 1, s, s).to(dev)
    y = torch.randint(0, k, (n, s, s)).to(dev)
    onehot = F.one_hot(y, k).permute(0, 3, 1, 2).float()

    def step():
        net.train()
        opt.zero_grad()
        logits = net(x)
        loss = 0.5 * (F.cross_entropy(logits, y) + dice_loss(logits, onehot))
        loss.backward()
        opt.step()
        return loss.item()

    def infer():
        net.eval()
        with torch.no_grad():
            net(x)
        if dev.type == 'cuda':
            torch.cuda.synchronize()

    def timed(f, steps, warmup):
        # wall seconds and process CPU seconds (all threads) per call
        for _ in range(warmup):
            f()
        wall, cpu = [], []
        for _ in range(steps):
            c0 = time.process_time()
            t0 = time.perf_counter()
            f()
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        return wall, cpu

    losses = []
    step_times = timed(lambda: losses.append(step()), a.steps, a.warmup)
    infer_times = timed(infer, a.steps, 1)
    result = {
        'framework': 'pytorch ' + torch.__version__,
        'device': torch.cuda.get_device_name(0) if dev.type == 'cuda' else 'cpu',
        'threads': torch.get_num_threads(),
        'parameters': sum(p.numel() for p in net.parameters()),
        'stepSeconds': {'median': statistics.median(step_times[0]), 'all': step_times[0]},
        'stepCpuSeconds': {'median': statistics.median(step_times[1]), 'all': step_times[1]},
        'inferenceSeconds': {'median': statistics.median(infer_times[0]), 'all': infer_times[0]},
        'inferenceCpuSeconds': {'median': statistics.median(infer_times[1]), 'all': infer_times[1]},
        'peakRssMiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        'losses': losses,
    }
    print('RESULT ' + json.dumps(result), flush=True)


if __name__ == '__main__':
    main()
