/**
 * DuckDB, embedded: one in-memory database per preparation, bounded by a memory limit and spilling
 * to a temporary directory (the Lambda's ephemeral storage), with the dialect prelude applied.
 */
import { mkdir } from 'node:fs/promises';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { DUCKDB_PRELUDE } from './dialect';

/** How much of the machine DuckDB may use. */
export interface EngineLimits {
  /** DuckDB's memory_limit, e.g. "1500MB" (default: DuckDB's own, 80 % of the machine). */
  readonly memoryLimit?: string;
  /** Where DuckDB spills what does not fit (created when missing). */
  readonly tempDirectory?: string;
  /** Worker threads (default: DuckDB's, one per core). */
  readonly threads?: number;
}

/** An open DuckDB database with the prelude applied. */
export class DuckDb {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  static async open(limits: EngineLimits = {}): Promise<DuckDb> {
    const options: Record<string, string> = {};
    if (limits.memoryLimit) options.memory_limit = limits.memoryLimit;
    if (limits.threads) options.threads = String(limits.threads);
    if (limits.tempDirectory) {
      await mkdir(limits.tempDirectory, { recursive: true });
      options.temp_directory = limits.tempDirectory;
    }
    // No extension is ever downloaded: CSV, gzip and Parquet are built in.
    options.autoinstall_known_extensions = 'false';
    options.autoload_known_extensions = 'false';
    const instance = await DuckDBInstance.create(':memory:', options);
    const db = new DuckDb(instance, await instance.connect());
    for (const statement of DUCKDB_PRELUDE) await db.run(statement);
    return db;
  }

  async run(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  /** Every row as an object of JS values (small results: statistics, problems). */
  async objects(sql: string): Promise<Record<string, unknown>[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  }

  /** The rows of a query in batches, every value as text (NULL as ''), streamed. */
  async *batches(sql: string): AsyncGenerator<string[][]> {
    const result = await this.connection.stream(sql);
    for await (const rows of result.yieldRowsJs()) {
      yield rows.map((r) => r.map((v) => (v === null || v === undefined ? '' : String(v))));
    }
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
