import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

/** Where the HDF5 superblock says addresses start and how wide they are. */
export interface Hdf5Addressing {
  /** Absolute position of address 0 (the superblock's base address). */
  base: number;
  /** Bytes per address ("size of offsets"). */
  sizeOffsets: number;
  /** Bytes per length ("size of lengths"). */
  sizeLengths: number;
}

/** One chunk as its index lists it. */
export interface ChunkEntry {
  /** Element offsets of the chunk's first element, one per dataset dimension. */
  offsets: number[];
  /** Absolute file position of the chunk's (compressed) bytes. */
  address: number;
  /** Stored size in bytes. */
  nbytes: number;
  /** Filters skipped for this chunk (bit i: filter i); 0 normally. */
  mask: number;
  /** The key's extra offset (the element-size dimension), always 0 in a sound file. */
  extra: bigint;
}

/** A chunked dataset's index. */
export interface ChunkIndex {
  /** Chunk size per dimension; the last entry is the element size in bytes. */
  dims: number[];
  /** Absolute file position of the B-tree's root node (undefined: no chunk stored). */
  root: number | undefined;
  chunks: ChunkEntry[];
}

interface Reader {
  size: number;
  at: Hdf5Addressing;
  bytes(pos: number, n: number): Buffer;
  address(buf: Buffer, offset: number, width?: number): number;
}

/** Any all-ones (undefined) address reads as at least this. */
const UNDEFINED_ADDRESS = 2 ** 53;

/**
 * Reads the chunk index of a dataset whose layout message (version 3) is chunked, indexed by a
 * version 1 B-tree: h5py's default format (object header version 1) and h5wasm's (object header
 * version 2). Returns `undefined` for anything else (contiguous or compact storage; version 4
 * layouts, whose indexes HDF5 checksums itself). Throws an Error for an unreadable index.
 *
 * @param header absolute file position of the dataset's object header
 */
export function readChunkIndex(file: string, header: number, at: Hdf5Addressing): ChunkIndex | undefined {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const r: Reader = {
      size,
      at,
      bytes(pos, n) {
        if (!(pos >= 0 && pos + n <= size)) throw new Error(`points outside the file (byte ${pos} of ${size})`);
        const buf = Buffer.alloc(n);
        readSync(fd, buf, 0, n, pos);
        return buf;
      },
      address: (buf, offset, width = at.sizeOffsets) =>
        width === 8 ? Number(buf.readBigUInt64LE(offset)) : width === 4 ? buf.readUInt32LE(offset) : width === 2 ? buf.readUInt16LE(offset) : buf[offset],
    };
    const layout = findChunkLayout(r, header);
    if (!layout) return undefined;
    if (layout.btree >= UNDEFINED_ADDRESS) return { dims: layout.dims, root: undefined, chunks: [] };
    return { dims: layout.dims, root: layout.btree, chunks: walkBtree(r, layout.btree, layout.dims.length) };
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks that the chunk index lists every chunk of a dataset of `shape` exactly once, on the
 * chunk grid, with its bytes inside the file.
 *
 * Why: HDF5 reads a chunk that its index does not list as the fill value (zeros) without any
 * error, and the version 1 B-tree index (h5py's and h5wasm's default, used by the SSL4MIS files)
 * has no checksum. One flipped bit in a key, or a zeroed index node, silently turns a chunk or
 * the whole image into zeros; a flipped filter-mask bit returns the compressed bytes as values.
 * (A dataset whose chunks were never all written is refused too: readers expect whole images.)
 *
 * @returns a description of the problem, or `undefined` when the index is complete (or not a v1 B-tree)
 */
export function chunkIndexProblem(file: string, header: number, shape: readonly number[], at: Hdf5Addressing): string | undefined {
  let index: ChunkIndex | undefined;
  let fileSize: number;
  try {
    index = readChunkIndex(file, header, at);
    fileSize = statSync(file).size;
  } catch (e) {
    return `chunk index unreadable (${e instanceof Error ? e.message : String(e)})`;
  }
  if (!index) return undefined;
  if (index.dims.length !== shape.length + 1) return `chunk index has ${index.dims.length - 1} dimensions, the dataset ${shape.length}`;
  const grid = shape.map((s, d) => Math.ceil(s / index.dims[d]));
  const expected = grid.reduce((a, b) => a * b, 1);
  const seen = new Set<string>();
  for (const chunk of index.chunks) {
    const problem = chunkProblem(chunk, index.dims, grid, fileSize, seen);
    if (problem) return problem;
  }
  if (seen.size !== expected) return `chunk index lists ${seen.size} of the ${expected} chunks (HDF5 would read the missing ones as the fill value, 0 by default)`;
  return undefined;
}

function chunkProblem(chunk: ChunkEntry, dims: number[], grid: number[], fileSize: number, seen: Set<string>): string | undefined {
  const where = `chunk at [${chunk.offsets.join(', ')}]`;
  const ids = chunk.offsets.map((o, d) => o / dims[d]);
  if (ids.some((v, d) => !Number.isInteger(v) || v >= grid[d]) || chunk.extra !== 0n) {
    return `chunk index lists a chunk at [${chunk.offsets.join(', ')}], off the dataset's chunk grid`;
  }
  if (chunk.nbytes === 0) return `${where} has an empty index entry (0 bytes at byte ${chunk.address})`;
  if (chunk.address + chunk.nbytes > fileSize) return `${where}: its ${chunk.nbytes} bytes at byte ${chunk.address} lie past the end of the file (${fileSize} bytes)`;
  // A skipped filter leaves the chunk at its raw size (+4 with a Fletcher32 checksum); otherwise
  // HDF5 would return the still-compressed bytes as values.
  const raw = dims.reduce((a, b) => a * b, 1);
  if (chunk.mask !== 0 && chunk.nbytes !== raw && chunk.nbytes !== raw + 4) {
    return `${where}: marked as not compressed (filter mask ${chunk.mask}) but stored in ${chunk.nbytes} bytes, not ${raw}`;
  }
  const id = ids.join(',');
  if (seen.has(id)) return `${where} is listed twice`;
  seen.add(id);
  return undefined;
}

/** Finds the layout message (type 8) of an object header (version 1 or 2), following continuation blocks. */
function findChunkLayout(r: Reader, header: number): { btree: number; dims: number[] } | undefined {
  const first = firstHeaderBlock(r, header);
  if (!first) return undefined;
  const blocks: Array<[number, number]> = [[first.start, first.length]];
  for (let b = 0; b < blocks.length && b < 1000; b++) {
    for (const { type, body } of headerMessages(r.bytes(...blocks[b]), first.version, first.order)) {
      if (type === 0x08) return parseLayout(r, body);
      if (type !== 0x10) continue;
      const [at, length] = [r.at.base + r.address(body, 0), r.address(body, r.at.sizeOffsets, r.at.sizeLengths)];
      // a version 2 continuation block is "OCHK", messages, checksum
      blocks.push(first.version === 1 ? [at, length] : [at + 4, length - 8]);
    }
  }
  return undefined;
}

/** Where the messages of an object header's first block lie (version 1, or version 2 "OHDR"). */
function firstHeaderBlock(r: Reader, header: number): { version: 1 | 2; order: boolean; start: number; length: number } | undefined {
  const head = r.bytes(header, 16);
  if (head[0] === 1) return { version: 1, order: false, start: header + 16, length: head.readUInt32LE(8) };
  if (head.toString('latin1', 0, 4) !== 'OHDR' || head[4] !== 2) return undefined;
  const flags = head[5];
  const sizeAt = 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
  const width = 1 << (flags & 3);
  const length = r.address(r.bytes(header + sizeAt, width), 0, width);
  return { version: 2, order: (flags & 0x04) !== 0, start: header + sizeAt + width, length };
}

/** The messages of one object header block: version 1 has 8-byte message headers, version 2 4 (or 6). */
function* headerMessages(data: Buffer, version: 1 | 2, order: boolean): Generator<{ type: number; body: Buffer }> {
  const headSize = version === 1 ? 8 : order ? 6 : 4;
  for (let p = 0; p + headSize <= data.length; ) {
    const type = version === 1 ? data.readUInt16LE(p) : data[p];
    const size = data.readUInt16LE(p + (version === 1 ? 2 : 1));
    yield { type, body: data.subarray(p + headSize, p + headSize + size) };
    p += headSize + size;
  }
}

function parseLayout(r: Reader, body: Buffer): { btree: number; dims: number[] } | undefined {
  if (body[0] !== 3 || body[1] !== 2) return undefined; // not a version 3 chunked layout
  const address = r.address(body, 3);
  const dims = Array.from({ length: body[2] }, (_, i) => body.readUInt32LE(3 + r.at.sizeOffsets + 4 * i));
  const undefinedAddress = address === 2 ** (8 * r.at.sizeOffsets) - 1 || address >= UNDEFINED_ADDRESS;
  return { btree: undefinedAddress ? UNDEFINED_ADDRESS : r.at.base + address, dims };
}

/** Collects the leaf entries of a raw-data B-tree (node type 1); `keyDims` = dataset rank + 1. */
function walkBtree(r: Reader, root: number, keyDims: number): ChunkEntry[] {
  const keySize = 8 + 8 * keyDims;
  const O = r.at.sizeOffsets;
  const chunks: ChunkEntry[] = [];
  const todo: Array<[number, number]> = [[root, -1]];
  const visited = new Set<number>();
  while (todo.length > 0) {
    const [address, level] = todo.pop() as [number, number];
    if (visited.has(address)) throw new Error(`node at byte ${address} is reached twice`);
    visited.add(address);
    const head = r.bytes(address, 8 + 2 * O);
    if (head.toString('latin1', 0, 4) !== 'TREE' || head[4] !== 1) throw new Error(`node at byte ${address} is not a chunk B-tree node`);
    if (level >= 0 && head[5] !== level) throw new Error(`node at byte ${address} has level ${head[5]}, expected ${level}`);
    const entries = head.readUInt16LE(6);
    const body = r.bytes(address + head.length, entries * (keySize + O) + keySize);
    for (let i = 0; i < entries; i++) {
      const key = i * (keySize + O);
      const child = r.at.base + r.address(body, key + keySize);
      if (head[5] > 0) todo.push([child, head[5] - 1]);
      else chunks.push(chunkEntry(body.subarray(key, key + keySize), child, keyDims - 1));
    }
  }
  return chunks;
}

function chunkEntry(key: Buffer, address: number, rank: number): ChunkEntry {
  return {
    nbytes: key.readUInt32LE(0),
    mask: key.readUInt32LE(4),
    offsets: Array.from({ length: rank }, (_, d) => Number(key.readBigUInt64LE(8 + 8 * d))),
    extra: key.readBigUInt64LE(8 + 8 * rank),
    address,
  };
}
