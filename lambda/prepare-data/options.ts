/** The step's input contract (Lambda event and CLI options), validated with zod. */
import { z } from 'zod';
import { DEFAULT_TOP_N, MAX_TOP_N } from '../../container/src/limits';
import { isS3Uri } from '../shared/s3-uri';
import { InputValidationError } from './errors';

export const SPLIT_MODES = ['random', 'temporal'] as const;
export type SplitMode = (typeof SPLIT_MODES)[number];

export const DEFAULTS = { split: 'random' as SplitMode, testFraction: 0.3, seed: 42, topN: DEFAULT_TOP_N };

const ISO_CUTOFF = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;

/** Cut-off instant in ms; a date without time means 00:00 UTC, a time without offset means UTC. */
export function parseCutoff(value: string): number {
  if (!ISO_CUTOFF.test(value)) return NaN;
  const hasOffset = /(Z|[+-]\d{2}:\d{2})$/.test(value) && value.includes('T');
  const ms = Date.parse(value.includes('T') && !hasOffset ? `${value}Z` : value);
  if (Number.isNaN(ms)) return NaN;
  // Date.parse accepts 2021-02-30; reject it by round-tripping the calendar date
  return new Date(ms).toISOString().slice(0, 10) === value.slice(0, 10) || hasOffset ? ms : NaN;
}

/**
 * The split options a training execution's input may carry too (lambda/validate-input checks it
 * with these), each with what it must be, as the error messages say it.
 */
export const SPLIT_FIELDS = {
  split: { schema: z.enum(SPLIT_MODES), rule: SPLIT_MODES.join(' or ') },
  testFraction: { schema: z.number().gt(0).lt(1), rule: 'a number between 0 and 1 (exclusive)' },
  seed: { schema: z.number().int().min(0).max(0xffffffff), rule: `an integer between 0 and ${0xffffffff}` },
} as const;

/**
 * The raw input's URI, as a training execution's input (lambda/validate-input) and the Lambda's
 * event take it: one object, or a prefix ending in / whose objects form one table.
 */
export const RAW_DATA_URI_FIELD = {
  schema: z.string().refine((s) => isS3Uri(s, 'object'), 'must be an s3://bucket/key URI (an object, or a prefix ending in /)'),
  rule: 'an s3://bucket/key URI (an object, or a prefix ending in /)',
} as const;

const splitOptionsShape = {
  split: SPLIT_FIELDS.split.schema.default(DEFAULTS.split),
  testFraction: SPLIT_FIELDS.testFraction.schema.default(DEFAULTS.testFraction),
  seed: SPLIT_FIELDS.seed.schema.default(DEFAULTS.seed),
  cutoffDate: z
    .string()
    .refine((s) => !Number.isNaN(parseCutoff(s)), 'must be an ISO date (YYYY-MM-DD) or date-time')
    .optional(),
  minUserInteractions: z.number().int().min(1).optional(),
  minItemInteractions: z.number().int().min(1).optional(),
  // The model server's own bound: a larger top_n would fail every line of the batch transform.
  topN: z.number().int().min(1).max(MAX_TOP_N).default(DEFAULTS.topN),
};

export const PrepareOptionsSchema = z.object(splitOptionsShape).strict();
export type PrepareOptions = z.output<typeof PrepareOptionsSchema>;
export type PrepareOptionsInput = z.input<typeof PrepareOptionsSchema>;

/** Which engine runs the SQL: DuckDB in the Lambda, Athena, or chosen by the input's size (AUTO_ATHENA_BYTES). */
export const PREPARE_ENGINES = ['auto', 'duckdb', 'athena'] as const;
export type PrepareEngine = (typeof PREPARE_ENGINES)[number];

const identifier = z.string().regex(/^[a-z_][a-z0-9_]{0,254}$/, 'a Glue name: lower-case letters, digits and _');
/**
 * A table of the Glue Data Catalog as the input (Athena only), and which of its columns hold what:
 * user and item are required, the others as for an export (invoice, quantity and date make the
 * Online Retail rules apply).
 */
export const RawTableSchema = z
  .object({
    database: identifier,
    table: identifier,
    columns: z
      .object({
        user: identifier,
        item: identifier,
        invoice: identifier.optional(),
        quantity: identifier.optional(),
        date: identifier.optional(),
        description: identifier.optional(),
      })
      .strict(),
  })
  .strict();
export type RawTable = z.output<typeof RawTableSchema>;

/** The folder below an Athena run's workUri where its results are UNLOADed (the publish step reads only there). */
export const ATHENA_RESULTS = 'results';

/** Where Athena runs a run's statements (the pipeline's workgroup and a scratch prefix). */
export const AthenaSettingsSchema = z
  .object({
    /** Glue database for the run's tables (created and dropped by the state machine); dashes become underscores. */
    database: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,200}$/, 'letters, digits, _ and -')
      .transform((s) => s.toLowerCase().replace(/-/g, '_')),
    /** Scratch prefix for the run's tables and UNLOAD results: s3://bucket/prefix/. */
    workUri: z.string().refine((s) => isS3Uri(s, 'object') && s.endsWith('/'), 'must be an s3://bucket/prefix/ URI'),
    /** The plan's input summary (publish). */
    input: z.record(z.string(), z.unknown()).optional(),
    /** The plan's statements (the state machine passes the whole plan back; publish ignores them). */
    statements: z.array(z.string()).optional(),
    cleanup: z.string().optional(),
  })
  .strict();

export const PrepareDataEventSchema = z
  .object({
    rawDataUri: RAW_DATA_URI_FIELD.schema,
    outputUri: z.string().refine((s) => isS3Uri(s), 'must be an s3://bucket/prefix/ URI'),
    engine: z.enum(PREPARE_ENGINES).default('duckdb'),
    rawTable: RawTableSchema.optional(),
    athena: AthenaSettingsSchema.optional(),
    /** Set by the state machine after Athena ran the plan: read its results and publish. */
    publish: z.boolean().default(false),
    ...splitOptionsShape,
  })
  .strict();
export type PrepareDataEvent = z.input<typeof PrepareDataEventSchema>;

/** Validates with `schema`, turning zod issues into one InputValidationError naming each field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new InputValidationError(`invalid ${what}: ${problems.join('; ')}`);
}
