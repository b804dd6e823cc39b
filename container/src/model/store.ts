/**
 * The model's on-disk format, shared by `train` (writes) and `serve` (reads).
 * `model/manifest.json` holds ids, hyperparameters, metrics, popularity and catalog;
 * `model/factors-<version>.bin` holds the numeric arrays back to back (little-endian), located by
 * the manifest, which names its binary. A save writes every byte first (a new binary, temporary
 * copies of the manifest and the extra files), then renames them in place, the manifest last: a
 * save that fails (a full disk) leaves the previous model whole, and a directory without a
 * manifest holds no model.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ModelFormatError } from './errors';

/** Bumped on any incompatible change to the layout below. */
export const MODEL_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
/** factors.bin (older models) or factors-<version>.bin. */
const BINARY_NAME = /^factors(?:-[\w-]+)?\.bin$/;
/** Temporary files of a save (removed by the next save when a process died half way). */
const TEMP_NAME = /^\..+\.tmp-[\w-]+$/;

export type DType = 'float32' | 'int32';
export interface ArrayRef {
  /** Byte offset in the binary file (a multiple of 4). */
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

/**
 * Writes a model into dir, with `files` (name to text, such as metrics.json) beside it, replacing
 * the previous model whole or not at all.
 */
export async function saveModel(
  dir: string,
  manifest: Omit<ModelManifest, 'binary' | 'formatVersion'>,
  arrays: ModelArrays,
  files: Readonly<Record<string, string>> = {},
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
  const version = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const binary = `factors-${version}.bin`;
  const full: ModelManifest = { ...manifest, formatVersion: MODEL_FORMAT_VERSION, binary: { file: binary, arrays: refs } };
  const staged = [...Object.entries(files), [MANIFEST_FILE, JSON.stringify(full)] as const].map(([name, text]) => ({
    temp: path.join(dir, `.${name}.tmp-${version}`),
    final: path.join(dir, name),
    text,
  }));
  try {
    // Every byte is written before anything is renamed: a full disk fails here, the previous model untouched.
    await fs.writeFile(path.join(dir, binary), Buffer.concat(chunks));
    for (const f of staged) await fs.writeFile(f.temp, f.text);
    for (const f of staged) await fs.rename(f.temp, f.final);
  } catch (err) {
    await Promise.all([path.join(dir, binary), ...staged.map((f) => f.temp)].map((f) => fs.rm(f, { force: true })));
    throw err;
  }
  // The previous binary (no manifest names it now) and leftovers of a save that died half way.
  for (const name of await fs.readdir(dir)) {
    if ((BINARY_NAME.test(name) && name !== binary) || TEMP_NAME.test(name)) await fs.rm(path.join(dir, name), { force: true });
  }
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
  const file = manifest.binary?.file;
  if (typeof file !== 'string' || !BINARY_NAME.test(file)) throw new ModelFormatError(`${MANIFEST_FILE} names no binary file`);
  const bin = await fs.readFile(path.join(dir, file));
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
