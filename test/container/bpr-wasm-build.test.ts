/** The embedded module (container/src/wasm/kernel.generated.ts) must be the compile of container/assembly/bpr.ts. */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

it('kernel.generated.ts is generated from the current AssemblyScript source', () => {
  const root = path.resolve(__dirname, '..', '..');
  const r = spawnSync(process.execPath, [path.join(root, 'container', 'assembly', 'build.mjs'), '--check'], {
    cwd: root,
    encoding: 'utf8',
  });
  expect(r.stdout + r.stderr).toMatch(/is up to date/);
  expect(r.status).toBe(0);
});
