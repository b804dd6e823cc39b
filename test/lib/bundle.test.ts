/**
 * The prepare Lambda's code asset as `cdk synth` builds it: esbuild bundles the handler, DuckDB's
 * Node package stays out of the bundle and npm installs it into the asset for the function's
 * platform (lib/native-bundling.ts). Only the arm64 Linux binary may be there. The install reaches
 * the npm registry, so this runs only when asked:
 *   BPR_BUNDLE_CHECK=1 npx jest test/lib/bundle.test.ts
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { createPipelineApp } from '../../lib/app';
import { parseConfig } from '../../lib/config';

const maybe = process.env.BPR_BUNDLE_CHECK === '1' ? test : test.skip;

/** The machine an ELF shared object is built for (e_machine: 183 aarch64, 62 x86-64). */
function elfMachine(file: string): number {
  const header = readFileSync(file).subarray(0, 20);
  expect(header.subarray(0, 4).toString('latin1')).toBe('\u007fELF');
  return header.readUInt16LE(18);
}

maybe('the prepare Lambda asset ships the linux-arm64 DuckDB binary and no other', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'bpr-bundle-'));
  try {
    const app = new App({ outdir });
    const { pipelineStack } = createPipelineApp(app, { config: parseConfig({}), nag: false });
    expect(pipelineStack.functions.prepareFunction.architecture.name).toBe('arm64');
    app.synth();
    const withModules = readdirSync(outdir).filter((d) => d.startsWith('asset.') && existsSync(join(outdir, d, 'node_modules')));
    // the prepare Lambda (DuckDB) and the publish-report Lambda (Vega, for a tuned run's chart)
    expect(withModules).toHaveLength(2);
    const assets = withModules.filter((d) => existsSync(join(outdir, d, 'node_modules', '@duckdb')));
    expect(assets).toHaveLength(1);
    const report = withModules.find((d) => d !== assets[0])!;
    expect(existsSync(join(outdir, report, 'node_modules', 'vega', 'package.json'))).toBe(true);
    expect(existsSync(join(outdir, report, 'node_modules', 'vega-lite', 'package.json'))).toBe(true);
    const modules = join(outdir, assets[0], 'node_modules', '@duckdb');
    expect(readdirSync(modules).sort()).toEqual(['node-api', 'node-bindings', 'node-bindings-linux-arm64']);
    expect(elfMachine(join(modules, 'node-bindings-linux-arm64', 'duckdb.node'))).toBe(183);
    expect(elfMachine(join(modules, 'node-bindings-linux-arm64', 'libduckdb.so'))).toBe(183);
    // the handler's bundle loads DuckDB from node_modules instead of holding it
    expect(readFileSync(join(outdir, assets[0], 'index.js'), 'utf8')).toMatch(/require\("@duckdb\/node-api"\)/);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
