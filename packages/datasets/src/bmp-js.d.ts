declare module 'bmp-js' {
  /** Decoded BMP: `data` holds 4 bytes per pixel in A, B, G, R order. */
  interface BmpImage {
    width: number;
    height: number;
    data: Buffer;
  }
  function decode(buffer: Buffer): BmpImage;
  function encode(image: { data: Buffer | Uint8Array; width: number; height: number }): { data: Buffer; width: number; height: number };
  const bmp: { decode: typeof decode; encode: typeof encode };
  export default bmp;
  export { decode, encode };
}
