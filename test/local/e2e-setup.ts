/**
 * What the local end-to-end test files share: a generated export the model learns from, and one
 * synthesized app per file, with environments started (and stopped) over it.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AppBuilder, SynthesizedApp } from '../../local/cdk/synth';
import { writeGeneratedCsv } from '../../local/dataset/write';
import { LocalPipeline } from '../../local/pipeline';

// threads=1 makes training reproducible; this data size lets the model beat the popularity baseline.
export const HP = { threads: '1' };
export const DATA = { rows: 150000, customers: 1500, items: 600 };

export interface E2eSetup {
  root: string;
  data: string;
  app: SynthesizedApp;
  /** Environments to stop after the file's tests. */
  readonly started: LocalPipeline[];
}

/** Registers beforeAll/afterAll: a temp folder, the export, the app (buildApp's, the project's by default). */
export function e2eSetup(prefix: string, buildApp?: AppBuilder): E2eSetup {
  const setup = { started: [] } as unknown as E2eSetup;
  beforeAll(async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
    setup.root = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
    setup.data = await writeGeneratedCsv(path.join(setup.root, 'raw.csv'), DATA);
    setup.app = LocalPipeline.synthesize({ workdir: setup.root, buildApp });
  });
  afterAll(async () => {
    for (const p of setup.started) await p.stop();
    await fs.rm(setup.root, { recursive: true, force: true });
  });
  return setup;
}
