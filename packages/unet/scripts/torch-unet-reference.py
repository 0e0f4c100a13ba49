"""Reference outputs of the SSL4MIS 2D U-Net (PyTorch) for the tests of @agcl/unet.

The modules below follow HiLab-git/SSL4MIS `code/networks/unet.py` (ConvBlock, DownBlock, UpBlock,
Encoder, Decoder; UpBlock with bilinear=True is conv1x1 + Upsample(x2, bilinear, align_corners=True),
else ConvTranspose2d(k=2, s=2); the skip is concatenated first). A tiny network is built with PyTorch's
own initialisation, its batch-norm affine and running values are randomised, and the script writes the
weights (converted to the tfjs layout and to @agcl/unet's names), an input, and:
  - the inference (eval) logits with the stored running statistics,
  - the training-mode logits (batch statistics) and the running statistics after that one call.
Dropout is 0 so both modes are deterministic.

Run: /usr/bin/python3 scripts/torch-unet-reference.py > fixtures/torch-unet-reference.json
(PyTorch 1.13, Debian python3-torch.)
"""
import json

import torch
import torch.nn as nn


class ConvBlock(nn.Module):
    def __init__(self, in_channels, out_channels, dropout_p):
        super().__init__()
        self.conv_conv = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1),
            nn.BatchNorm2d(out_channels),
            nn.LeakyReLU(),
            nn.Dropout(dropout_p),
            nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1),
            nn.BatchNorm2d(out_channels),
            nn.LeakyReLU(),
        )

    def forward(self, x):
        return self.conv_conv(x)


class DownBlock(nn.Module):
    def __init__(self, in_channels, out_channels, dropout_p):
        super().__init__()
        self.maxpool_conv = nn.Sequential(nn.MaxPool2d(2), ConvBlock(in_channels, out_channels, dropout_p))

    def forward(self, x):
        return self.maxpool_conv(x)


class UpBlock(nn.Module):
    def __init__(self, in_channels1, in_channels2, out_channels, dropout_p, bilinear=True):
        super().__init__()
        self.bilinear = bilinear
        if bilinear:
            self.conv1x1 = nn.Conv2d(in_channels1, in_channels2, kernel_size=1)
            self.up = nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True)
        else:
            self.up = nn.ConvTranspose2d(in_channels1, in_channels2, kernel_size=2, stride=2)
        self.conv = ConvBlock(in_channels2 * 2, out_channels, dropout_p)

    def forward(self, x1, x2):
        if self.bilinear:
            x1 = self.conv1x1(x1)
        x1 = self.up(x1)
        x = torch.cat([x2, x1], dim=1)
        return self.conv(x)


class UNet(nn.Module):
    """Encoder + Decoder of SSL4MIS for any depth (SSL4MIS hard-codes depth 4)."""

    def __init__(self, in_chns, ft_chns, n_class, bilinear):
        super().__init__()
        d = len(ft_chns) - 1
        self.in_conv = ConvBlock(in_chns, ft_chns[0], 0.0)
        self.downs = nn.ModuleList([DownBlock(ft_chns[i - 1], ft_chns[i], 0.0) for i in range(1, d + 1)])
        # ups[0] is the deepest (SSL4MIS up1).
        self.ups = nn.ModuleList(
            [UpBlock(ft_chns[l + 1], ft_chns[l], ft_chns[l], 0.0, bilinear) for l in range(d - 1, -1, -1)]
        )
        self.out_conv = nn.Conv2d(ft_chns[0], n_class, kernel_size=3, padding=1)

    def forward(self, x):
        feats = [self.in_conv(x)]
        for down in self.downs:
            feats.append(down(feats[-1]))
        h = feats[-1]
        for k, up in enumerate(self.ups):
            h = up(h, feats[len(feats) - 2 - k])
        return self.out_conv(h)


def conv_weights(prefix, conv, out):
    out[f'{prefix}/kernel'] = conv.weight.detach().permute(2, 3, 1, 0)
    out[f'{prefix}/bias'] = conv.bias.detach()


def bn_weights(prefix, bn, out):
    out[f'{prefix}/gamma'] = bn.weight.detach()
    out[f'{prefix}/beta'] = bn.bias.detach()
    out[f'{prefix}/movingMean'] = bn.running_mean.detach().clone()
    out[f'{prefix}/movingVariance'] = bn.running_var.detach().clone()


def block_weights(prefix, block, out):
    seq = block.conv_conv
    conv_weights(f'{prefix}/conv1', seq[0], out)
    bn_weights(f'{prefix}/norm1', seq[1], out)
    conv_weights(f'{prefix}/conv2', seq[4], out)
    bn_weights(f'{prefix}/norm2', seq[5], out)


def named_weights(net, channels):
    d = len(channels) - 1
    out = {}
    block_weights('enc0', net.in_conv, out)
    for i, down in enumerate(net.downs, start=1):
        block_weights(f'enc{i}', down.maxpool_conv[1], out)
    for k, up in enumerate(net.ups):
        level = d - 1 - k
        if up.bilinear:
            conv_weights(f'up{level}', up.conv1x1, out)
        else:
            out[f'up{level}/kernel'] = up.up.weight.detach().permute(2, 3, 1, 0)
            out[f'up{level}/bias'] = up.up.bias.detach()
        block_weights(f'dec{level}', up.conv, out)
    conv_weights('out', net.out_conv, out)
    return out


def flat(t):
    return [round(float(v), 8) for v in t.contiguous().reshape(-1).tolist()]


def case(upsampling, seed):
    torch.manual_seed(seed)
    channels, in_chns, n_class = [2, 4, 8], 1, 3
    net = UNet(in_chns, channels, n_class, bilinear=(upsampling == 'bilinear')).double()
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 2.0)
    x = torch.rand(2, in_chns, 8, 8, dtype=torch.float64) * 2 - 1
    weights = named_weights(net, channels)
    net.eval()
    with torch.no_grad():
        eval_logits = net(x).permute(0, 2, 3, 1)
    net.train()
    with torch.no_grad():
        train_logits = net(x).permute(0, 2, 3, 1)
    after = named_weights(net, channels)
    running_after = {k: flat(v) for k, v in after.items() if k.endswith('movingMean') or k.endswith('movingVariance')}
    return {
        'config': {'inChannels': in_chns, 'numClasses': n_class, 'channels': channels,
                   'dropout': [0, 0, 0], 'upsampling': upsampling, 'projection': False},
        'weights': {k: {'shape': list(v.shape), 'values': flat(v)} for k, v in weights.items()},
        'input': {'shape': [2, 8, 8, in_chns], 'values': flat(x.permute(0, 2, 3, 1))},
        'evalLogits': flat(eval_logits),
        'trainLogits': flat(train_logits),
        'runningAfterTrain': running_after,
    }


if __name__ == '__main__':
    print(json.dumps({
        'source': 'scripts/torch-unet-reference.py, PyTorch ' + torch.__version__ + ', float64',
        'cases': [case('bilinear', 1), case('transpose', 2)],
    }))
