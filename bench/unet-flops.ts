/**
 * Multiply-adds of the U-Net's convolutions (SSL4MIS layout: conv3x3 blocks, max-pool down, 1x1 conv +
 * bilinear x2 or 2x2 transposed conv up, skip concatenated, 3x3 output conv), for one image.
 * A training step costs about 3x the forward convolutions (forward, input gradient, filter gradient).
 */
export function unetForwardMacs(opts: { size: number; inChannels: number; numClasses: number; channels: number[]; upsampling: 'bilinear' | 'transpose' }): number {
  const { size, inChannels, numClasses, channels: c, upsampling } = opts;
  const conv = (hw: number, k: number, cin: number, cout: number) => hw * hw * k * k * cin * cout;
  let macs = 0;
  let hw = size;
  let cin = inChannels;
  for (let l = 0; l < c.length; l++) {
    if (l > 0) hw /= 2;
    macs += conv(hw, 3, cin, c[l]) + conv(hw, 3, c[l], c[l]);
    cin = c[l];
  }
  for (let l = c.length - 1; l > 0; l--) {
    // up from level l (size hw) to level l-1 (size 2hw)
    if (upsampling === 'bilinear') macs += conv(hw, 1, c[l], c[l - 1]);
    else macs += hw * hw * 4 * c[l] * c[l - 1]; // 2x2 stride-2 transposed conv: each input pixel feeds 4 outputs
    hw *= 2;
    macs += conv(hw, 3, 2 * c[l - 1], c[l - 1]) + conv(hw, 3, c[l - 1], c[l - 1]);
  }
  macs += conv(hw, 3, c[0], numClasses);
  return macs;
}
