/**
 * The model's on-disk format, shared by `train` (writes) and `serve` (reads).
 * `model/manifest.json` holds ids, hyperparameters, metrics, popularity and catalog;
 * `model/factors.bin` holds the numeric arrays back to back (little-endian), located by the manifest.
 * The manifest is written last, so a directory without one holds no model.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ModelFormatError } from './errors';

/** Bumped on any incompatible change to the layout below. */
export const MODEL_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const BINARY_FILE = 'factors.bin';

export type DType = 'float32' | 'int32';
export interface ArrayRef {
  /** Byte offset in factors.bin (a multiple of 4). */
  readonly offset: number;
  /** Number of elements. */
  readonly length: number;
  readonly dtype: DType;
}

export const ARRAY_NAMES = ['userFactors', 'itemFactors', 'itemBias', 'userItemsIndptr', 'userItemsIndices'] as const;
export type ArrayName = (typeof ARRAY_NAMES)[number];

export interface ModelManifest {
  readonly formatVersion: number;
  readonly algorithm: 'bpr';
  readonly createdAt: string;
  /** Latent dimension: userFactors is users.length x factors, itemFactors items.length x factors, row-major. */
  readonly factors: number;
  /** Index to user id. */
  readonly users: string[];
  /** Index to item id. */
  readonly items: string[];
  /** Distinct training users per item index: the cold-start and baseline ranking. */
  readonly itemPopularity: number[];
  /** Item id to description, when a catalog channel was given. */
  readonly catalog: Record<string, string> | null;
  readonly hyperparameters: Record<string, string | number | boolean>;
  readonly metrics: Record<string, number>;
  readonly binary: { readonly file: string; readonly arrays: Record<ArrayName, ArrayRef> };
}

/** The arrays of a model. Each user's training items are CSR: indices[indptr[u]..indptr[u+1]]. */
export interface ModelArrays {
  readonly userFactors: Float32Array;
  readonly itemFactors: Float32Array;
  readonly itemBias: Float32Array;
  readonly userItemsIndptr: Int32Array;
  readonly userItemsIndices: Int32Array;
}

export interface LoadedModel extends ModelArrays {
  readonly manifest: ModelManifest;
  readonly userIndex: Map<string, number>;
  readonly itemIndex: Map<string, number>;
}

/** Writes a model into dir: binary first, manifest last, each via a temporary file and a rename. */
export async function saveModel(
  dir: string,
  manifest: Omit<ModelManifest, 'binary' | 'formatVersion'>,
  arrays: ModelArrays,
): Promise<ModelManifest> {
  await fs.mkdir(dir, { recursive: true });
  const refs = {} as Record<ArrayName, ArrayRef>;
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const name of ARRAY_NAMES) {
    const arr = arrays[name];
    refs[name] = { offset, length: arr.length, dtype: arr instanceof Float32Array ? 'float32' : 'int32' };
    const buf = Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength);
    chunks.push(buf);
    offset += buf.byteLength;
  }
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new ModelFormatError('big-endian hosts are not supported');
  const full: ModelManifest = { ...manifest, formatVersion: MODEL_FORMAT_VERSION, binary: { file: BINARY_FILE, arrays: refs } };
  await writeAtomic(path.join(dir, BINARY_FILE), Buffer.concat(chunks));
  await writeAtomic(path.join(dir, MANIFEST_FILE), JSON.stringify(full));
  return full;
}

/** Loads a model written by saveModel, checking that every array fits the manifest. */
export async function loadModel(dir: string): Promise<LoadedModel> {
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8')) as ModelManifest;
  } catch (err) {
    throw new ModelFormatError(`cannot read ${MANIFEST_FILE} in ${dir}: ${(err as Error).message}`);
  }
  if (manifest.formatVersion !== MODEL_FORMAT_VERSION) {
    throw new ModelFormatError(`model format ${manifest.formatVersion} is not supported (expected ${MODEL_FORMAT_VERSION})`);
  }
  const bin = await fs.readFile(path.join(dir, manifest.binary.file));
  // Copy into an aligned buffer: Buffer slices from readFile may not start on a 4-byte boundary.
  const aligned = new ArrayBuffer(bin.byteLength);
  new Uint8Array(aligned).set(bin);
  const view = (name: ArrayName): Float32Array | Int32Array => {
    const ref = manifest.binary.arrays[name];
    if (!ref || ref.offset + ref.length * 4 > aligned.byteLength)
      throw new ModelFormatError(`array ${name} is missing or truncated`);
    return ref.dtype === 'float32'
      ? new Float32Array(aligned, ref.offset, ref.length)
      : new Int32Array(aligned, ref.offset, ref.length);
  };
  const nUsers = manifest.users.length;
  const nItems = manifest.items.length;
  const model: LoadedModel = {
    manifest,
    userFactors: view('userFactors') as Float32Array,
    itemFactors: view('itemFactors') as Float32Array,
    itemBias: view('itemBias') as Float32Array,
    userItemsIndptr: view('userItemsIndptr') as Int32Array,
    userItemsIndices: view('userItemsIndices') as Int32Array,
    userIndex: new Map(manifest.users.map((u, i) => [u, i])),
    itemIndex: new Map(manifest.items.map((it, i) => [it, i])),
  };
  if (model.userFactors.length !== nUsers * manifest.factors || model.itemFactors.length !== nItems * manifest.factors) {
    throw new ModelFormatError('factor arrays do not match the number of users, items and factors');
  }
  if (
    model.itemBias.length !== nItems ||
    model.userItemsIndptr.length !== nUsers + 1 ||
    manifest.itemPopularity.length !== nItems
  ) {
    throw new ModelFormatError('bias, popularity or training-item arrays do not match the number of users and items');
  }
  return model;
}

/** Writes a file whole or not at all (a temporary file renamed into place). */
export async function writeAtomic(file: string, data: string | Buffer): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, file);
}
