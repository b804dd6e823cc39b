/**
 * What the summary shows beyond the execution output: recommendations from the live endpoint
 * (with the catalog's descriptions), the batch transform's output files and the model report.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { S3Client } from '@aws-sdk/client-s3';
import { s3Uri } from '../lambda/shared/s3-uri';
import { REPORT_FILE } from '../container/src/paths';
import { getBuffer, getText, listKeys } from './s3';

export interface Recommendation {
  readonly itemId: string;
  readonly score: number;
  readonly description: string | null;
}

export interface CustomerRecommendations {
  readonly userId: string;
  readonly items: Recommendation[];
}

/** item_id -> description from every CSV under the catalog prefix (header item_id,description). */
export async function readCatalog(s3: S3Client, catalogUri: string | undefined): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!catalogUri) return out;
  const { bucket, keys } = await listKeys(s3, catalogUri);
  for (const key of keys) {
    const rows = parse(await getText(s3, s3Uri(bucket, key)), {
      columns: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as Record<string, string>[];
    for (const r of rows) if (r.item_id !== undefined) out.set(String(r.item_id), String(r.description ?? ''));
  }
  return out;
}

/** The first n user ids of a users.jsonl batch input. */
export async function sampleUsers(s3: S3Client, batchInputUri: string | undefined, n: number): Promise<string[]> {
  if (!batchInputUri) return [];
  const text = await getText(s3, batchInputUri);
  return text
    .split('\n')
    .filter((l) => l.trim())
    .slice(0, n)
    .map((l) => String((JSON.parse(l) as { user_id: unknown }).user_id));
}

/** Asks a serving endpoint for a customer's top n, as the seed's real-time example does. */
export async function recommend(
  url: string,
  userId: string,
  topN: number,
  catalog: Map<string, string>,
): Promise<CustomerRecommendations> {
  const res = await fetch(`${url}/invocations`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ user_id: userId, top_n: String(topN) }),
  });
  const body = await res.text();
  if (!res.ok) throw new Error(`the endpoint answered ${res.status}: ${body.slice(0, 200)}`);
  const records = JSON.parse(body) as { item_id: string; score: number; description?: string }[];
  return {
    userId,
    items: records.map((r) => ({
      itemId: String(r.item_id),
      score: Number(r.score),
      description: r.description ?? catalog.get(String(r.item_id)) ?? null,
    })),
  };
}

export interface BatchOutput {
  readonly outputUri: string;
  readonly files: string[];
  readonly lines: number;
  readonly sample: string[];
}

/** Files and line count under a transform job's output prefix. */
export async function readBatchOutput(s3: S3Client, outputUri: string): Promise<BatchOutput> {
  const { bucket, keys } = await listKeys(s3, outputUri);
  let lines = 0;
  const sample: string[] = [];
  for (const key of keys) {
    const rows = (await getText(s3, s3Uri(bucket, key))).split('\n').filter((l) => l !== '');
    lines += rows.length;
    sample.push(...rows.slice(0, Math.max(0, 3 - sample.length)));
  }
  return { outputUri, files: keys.map((k) => s3Uri(bucket, k)), lines, sample };
}

/** Where `npm start` puts the run's model report. */
export function reportPath(workdir: string): string {
  return path.join(workdir, REPORT_FILE);
}

/** Copies the published report (the execution output's reportUri) into the work directory. */
export async function downloadReport(s3: S3Client, reportUri: string, workdir: string): Promise<{ uri: string; path: string }> {
  const file = reportPath(workdir);
  await fs.writeFile(file, await getBuffer(s3, reportUri));
  return { uri: reportUri, path: file };
}
