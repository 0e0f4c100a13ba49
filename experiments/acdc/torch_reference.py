"""PyTorch reference of the labeled-only ACDC run, following the SSL4MIS code (train_fully_supervised_2D.py,
RandomGenerator, DiceLoss, test_single_volume) at docs/method.md's CPU budget: U-Net 16-32-64-128-256 (bench's
torch_unet.UNet, the SSL4MIS architecture), 128 x 128, batch 4, SGD 0.01 momentum 0.9 weight decay 1e-4,
poly decay, loss 0.5 (CE + Dice). Every --val-every iterations it reports the mean validation Dice over the
validation volumes (RV, Myo, LV; zoom order 0 as SSL4MIS), in eval mode (running statistics) and, for
comparison, with batch statistics and no dropout ("train-BN"), to show how much the running statistics lose.

Usage: python3 experiments/acdc/torch_reference.py [--data ../shared/data/acdc] [--patients 3]
       [--iterations 1500] [--val-every 200] [--threads 2] [--device cpu|cuda] [--seed 1337]
       [--order list|sorted] [--init pytorch|he] [--bn-report]
--order list (SSL4MIS): the labeled slices are the first patients in train_slices.list's own order (3 patients
= its first 68 lines, SSL4MIS's patients_to_slices); sorted: the first patients by name.
--init pytorch: PyTorch's default initialisation, as SSL4MIS; he: Kaiming normal (fan in), biases 0.
--bn-report: after training, diagnose-bn.mjs's measurement on the last model (BNREPORT line): validation
Dice with the trained running statistics and with statistics re-estimated on the labeled slices with and
without dropout, and the per-layer ratio of the mean running variances.
Prints one JSON line per validation and a final RESULT line.
"""
import argparse
import json
import os
import random
import sys
import time

import h5py
import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage
from scipy.ndimage import zoom

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'bench'))
from torch_unet import UNet, dice_loss  # noqa: E402


def read_list(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def random_rot_flip(image, label):
    k = np.random.randint(0, 4)
    image, label = np.rot90(image, k), np.rot90(label, k)
    axis = np.random.randint(0, 2)
    return np.flip(image, axis=axis).copy(), np.flip(label, axis=axis).copy()


def random_rotate(image, label):
    angle = np.random.randint(-20, 20)
    return ndimage.rotate(image, angle, order=0, reshape=False), ndimage.rotate(label, angle, order=0, reshape=False)


def augment(image, label, size):
    """SSL4MIS RandomGenerator: rot90 + flip (p 0.5), else rotation (p 0.25), then zoom to size (order 0)."""
    if random.random() > 0.5:
        image, label = random_rot_flip(image, label)
    elif random.random() > 0.5:
        image, label = random_rotate(image, label)
    x, y = image.shape
    image = zoom(image, (size / x, size / y), order=0)
    label = zoom(label, (size / x, size / y), order=0)
    return image.astype(np.float32), label.astype(np.int64)


def dice(pred, gt):
    """SSL4MIS calculate_metric_percase (Dice part): 0 when the prediction is empty."""
    pred, gt = pred > 0, gt > 0
    if pred.sum() == 0:
        return 0.0
    return 2.0 * (pred & gt).sum() / (pred.sum() + gt.sum())


def predict_volume(net, image, size, device, train_bn):
    """SSL4MIS test_single_volume: per slice zoom to size (order 0), arg-max, zoom back (order 0)."""
    out = np.zeros_like(image, dtype=np.uint8)
    for i in range(image.shape[0]):
        s = image[i]
        x, y = s.shape
        inp = torch.from_numpy(zoom(s, (size / x, size / y), order=0)).float()[None, None].to(device)
        with torch.no_grad():
            if train_bn:
                # batch statistics of this slice, no dropout, running statistics left untouched
                saved = {k: v.clone() for k, v in net.state_dict().items() if 'running' in k or 'num_batches' in k}
                net.train()
                for m in net.modules():
                    if isinstance(m, torch.nn.Dropout):
                        m.eval()
                p = net(inp)
                net.load_state_dict({**net.state_dict(), **saved})
            else:
                net.eval()
                p = net(inp)
        p = torch.argmax(torch.softmax(p, dim=1), dim=1).squeeze(0).cpu().numpy()
        out[i] = zoom(p, (x / size, y / size), order=0)
    return out


def bn_report(net, data, val, size, dev):
    """What diagnose-bn.mjs measures, for the PyTorch network at the end of training: the validation Dice
    (eval mode) with the trained running statistics and with statistics re-estimated (cumulative average)
    on the labeled slices, not augmented, with and without dropout; and per batch-norm layer the ratio of
    each variant's mean running variance to the no-dropout re-estimate's."""
    bns = [(n, m) for n, m in net.named_modules() if isinstance(m, torch.nn.BatchNorm2d)]
    trained = {n: (m.running_mean.clone(), m.running_var.clone(), m.momentum) for n, m in bns}
    inputs = [zoom(img, (size / img.shape[0], size / img.shape[1]), order=0) for img, _ in data]

    def reestimate(dropout):
        for _, m in bns:
            m.reset_running_stats()
            m.momentum = None  # cumulative moving average over the batches
        net.train()
        for m in net.modules():
            if isinstance(m, torch.nn.Dropout):
                m.train(dropout)
        with torch.no_grad():
            for i in range(0, len(inputs) - 1, 4):
                chunk = inputs[i:i + 4]
                if len(chunk) < 2:
                    break
                net(torch.from_numpy(np.stack(chunk)).float()[:, None].to(dev))

    def score():
        per = []
        for _, img, lab in val:
            pred = predict_volume(net, img, size, dev, False)
            per.append([dice(pred == c, lab == c) for c in (1, 2, 3)])
        return float(np.array(per).mean())

    out, variances = {}, {}
    for name, dropout in (('checkpoint', None), ('plain+dropout', True), ('plain', False)):
        for n, m in bns:
            m.running_mean.copy_(trained[n][0])
            m.running_var.copy_(trained[n][1])
            m.momentum = trained[n][2]
        if dropout is not None:
            reestimate(dropout)
        out[name] = score()
        variances[name] = [float(m.running_var.mean()) for _, m in bns]
    for n, m in bns:
        m.running_mean.copy_(trained[n][0])
        m.running_var.copy_(trained[n][1])
        m.momentum = trained[n][2]
    ratios = {n: {k: variances[k][i] / variances['plain'][i] for k in variances} for i, (n, _) in enumerate(bns)}
    return {'dice': out, 'varianceRatio': ratios}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', default=os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared', 'data', 'acdc'))
    ap.add_argument('--patients', type=int, default=3)
    ap.add_argument('--iterations', type=int, default=1500)
    ap.add_argument('--val-every', type=int, default=200)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--seed', type=int, default=1337)
    ap.add_argument('--size', type=int, default=128)
    ap.add_argument('--order', default='list', choices=['list', 'sorted'])
    ap.add_argument('--init', default='pytorch', choices=['pytorch', 'he'])
    ap.add_argument('--bn-report', action='store_true', help='after training, print BNREPORT: Dice with re-estimated statistics, variance ratios')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    random.seed(a.seed)
    np.random.seed(a.seed)
    torch.manual_seed(a.seed)
    dev = torch.device(a.device)

    slices = read_list(os.path.join(a.data, 'train_slices.list'))
    in_order = list(dict.fromkeys(s.split('_')[0] for s in slices))
    patients = (in_order if a.order == 'list' else sorted(in_order))[: a.patients]
    labeled = [s for s in slices if s.split('_')[0] in patients]
    data = []
    for s in labeled:
        with h5py.File(os.path.join(a.data, 'data', f'{s}.h5'), 'r') as f:
            data.append((f['image'][:], f['label'][:]))
    val = []
    for v in read_list(os.path.join(a.data, 'val.list')):
        with h5py.File(os.path.join(a.data, 'data', f'{v}.h5'), 'r') as f:
            val.append((v, f['image'][:], f['label'][:]))
    print(json.dumps({'patients': patients, 'slices': len(data), 'val': len(val), 'order': a.order, 'init': a.init, 'seed': a.seed}), flush=True)

    net = UNet()
    if a.init == 'he':
        for m in net.modules():
            if isinstance(m, torch.nn.Conv2d):
                torch.nn.init.kaiming_normal_(m.weight, mode='fan_in', nonlinearity='relu')
                torch.nn.init.zeros_(m.bias)
    net = net.to(dev)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    t0 = time.time()
    best = {'dice': -1, 'iteration': 0}
    history = []
    for it in range(1, a.iterations + 1):
        idx = np.random.choice(len(data), 4, replace=False)
        batch = [augment(*data[i], a.size) for i in idx]
        x = torch.from_numpy(np.stack([b[0] for b in batch]))[:, None].to(dev)
        y = torch.from_numpy(np.stack([b[1] for b in batch])).to(dev)
        net.train()
        logits = net(x)
        onehot = F.one_hot(y, 4).permute(0, 3, 1, 2).float()
        loss = 0.5 * (F.cross_entropy(logits, y) + dice_loss(logits, onehot))
        opt.zero_grad()
        loss.backward()
        opt.step()
        lr = 0.01 * (1.0 - it / a.iterations) ** 0.9
        for g in opt.param_groups:
            g['lr'] = lr
        if it % a.val_every == 0:
            row = {'iteration': it, 'loss': float(loss), 'seconds': round(time.time() - t0, 1)}
            for mode in ('eval', 'train-BN'):
                per = []
                for _, img, lab in val:
                    pred = predict_volume(net, img, a.size, dev, mode == 'train-BN')
                    per.append([dice(pred == c, lab == c) for c in (1, 2, 3)])
                per = np.array(per)
                row[mode] = {'mean': float(per.mean()), 'RV': float(per[:, 0].mean()), 'Myo': float(per[:, 1].mean()), 'LV': float(per[:, 2].mean())}
            history.append(row)
            if row['eval']['mean'] > best['dice']:
                best = {'dice': row['eval']['mean'], 'iteration': it}
            print(json.dumps(row), flush=True)
    if a.bn_report:
        print('BNREPORT ' + json.dumps(bn_report(net, data, val, a.size, dev)), flush=True)
    print('RESULT ' + json.dumps({'framework': 'pytorch ' + torch.__version__, 'patients': patients, 'order': a.order, 'init': a.init,
                                  'seed': a.seed, 'iterations': a.iterations, 'best': best, 'history': history,
                                  'secondsPerIteration': (time.time() - t0) / a.iterations}), flush=True)


if __name__ == '__main__':
    main()
