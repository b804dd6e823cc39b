/**
 * The model's on-disk format under faults: a save that fails part way (the disk full while writing
 * the binary, an extra file or the manifest) leaves the previous model whole, loadable and
 * unchanged, and no half-written file behind.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadModel, saveModel, MANIFEST_FILE } from '../../container/src/model/store';
import { buildModel, type FixtureOptions } from './serve-fixtures';

const O: FixtureOptions = { users: 12, items: 20, factors: 4, groups: 0, trainedPerUser: 2, catalog: false, seed: 1 };
let dir: string;

beforeEach(async () => {
  dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'model-store-')), 'model');
});
afterEach(async () => {
  jest.restoreAllMocks();
  await fs.rm(path.dirname(dir), { recursive: true, force: true });
});

/** Makes the n-th write of a file whose name matches `which` fail as a full disk does. */
function failWrites(which: RegExp): void {
  const real = fs.writeFile.bind(fs);
  jest.spyOn(fs, 'writeFile').mockImplementation(async (file, ...rest) => {
    if (which.test(path.basename(String(file)))) {
      throw Object.assign(new Error(`ENOSPC: no space left on device, write '${String(file)}'`), { code: 'ENOSPC' });
    }
    return real(file, ...(rest as [never]));
  });
}

const snapshot = async (d: string) => {
  const m = await loadModel(d);
  return { manifest: m.manifest, userFactors: Array.from(m.userFactors), itemBias: Array.from(m.itemBias) };
};

it.each([
  ['the manifest', /manifest/],
  ['the binary', /\.bin/],
  ['an extra file (metrics.json)', /metrics/],
])('a save failing while writing %s keeps the previous model whole and leaves no temporary file', async (_what, which) => {
  const first = buildModel(O);
  await saveModel(dir, first.manifest, first.arrays, { 'metrics.json': '{"v":1}\n' });
  const before = await snapshot(dir);
  const files = (await fs.readdir(dir)).sort();

  const second = buildModel({ ...O, users: 15, seed: 2 });
  failWrites(which);
  await expect(
    saveModel(dir, { ...second.manifest, createdAt: 'later' }, second.arrays, { 'metrics.json': '{"v":2}\n' }),
  ).rejects.toThrow(/ENOSPC/);
  jest.restoreAllMocks();

  expect(await snapshot(dir)).toEqual(before);
  expect(await fs.readFile(path.join(dir, 'metrics.json'), 'utf8')).toBe('{"v":1}\n');
  expect((await fs.readdir(dir)).sort()).toEqual(files);
});

it('a later save replaces the model whole and removes the previous binary', async () => {
  const first = buildModel(O);
  await saveModel(dir, first.manifest, first.arrays);
  const second = buildModel({ ...O, users: 15, seed: 2 });
  await saveModel(dir, second.manifest, second.arrays, { 'metrics.json': '{}\n' });
  const loaded = await loadModel(dir);
  expect(loaded.manifest.users).toHaveLength(15);
  expect(Array.from(loaded.userFactors)).toEqual(Array.from(second.arrays.userFactors));
  const names = await fs.readdir(dir);
  expect(names.filter((n) => n.endsWith('.bin'))).toEqual([loaded.manifest.binary.file]);
  expect(names.sort()).toEqual([loaded.manifest.binary.file, MANIFEST_FILE, 'metrics.json'].sort());
});
