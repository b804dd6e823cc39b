/** What the PrepareData task sends the prepare-data Lambda, and what it gets back. */
import type { PrepareDataEvent } from '../../lambda/prepare-data/options';
import type { AthenaPlan } from '../../lambda/prepare-data/athena';
import type { PrepareStats } from '../../lambda/prepare-data/prepare';

export type { PrepareStats } from '../../lambda/prepare-data/prepare';

/** What the PrepareData task sends the prepare-data Lambda (the event schema allows more options). */
export type PrepareDataRequest = Pick<
  PrepareDataEvent,
  'rawDataUri' | 'outputUri' | 'split' | 'testFraction' | 'seed' | 'engine' | 'athena' | 'rawTable' | 'publish'
>;

/** The prepare-data Lambda's result (kept under `$.prepared`). */
export interface PrepareDataResult {
  /** Channel prefixes of the training job. */
  readonly trainingUri: string;
  readonly testingUri: string;
  readonly catalogUri: string;
  /** users.jsonl, the batch transform's input. */
  readonly batchInputUri: string;
  readonly statsUri: string;
  readonly manifestUri: string;
  /** Null in an Athena plan (the publish step's result has them). */
  readonly stats: PrepareStats | null;
  /** Which engine ran (or, with `athena` set, is to run) the SQL. */
  readonly engine: 'duckdb' | 'athena';
  /** The statements for Athena when the state machine is to run them; null otherwise. */
  readonly athena: AthenaPlan | null;
}
