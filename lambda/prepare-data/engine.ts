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
    // Every result that is read in order says ORDER BY: tables need not keep the input's order (less memory).
    options.preserve_insertion_order = 'false';
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

  /** The rows of a query in batches (one per DuckDB chunk), every value as text (NULL as ''), streamed. */
  async *batches(sql: string): AsyncGenerator<string[][]> {
    const result = await this.connection.stream(sql);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) return;
      // Column by column is DuckDB's own layout: the cheapest way out of it.
      const columns = chunk.getColumns();
      const rows: string[][] = new Array(chunk.rowCount);
      for (let r = 0; r < chunk.rowCount; r++) {
        rows[r] = columns.map((c) => (c[r] === null || c[r] === undefined ? '' : String(c[r])));
      }
      yield rows;
    }
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
