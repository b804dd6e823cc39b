/**
 * Pipeline configuration: read from the CDK context (cdk.json, or `-c key=value` on the command
 * line, where every value arrives as a string), typed and validated with zod at synth time.
 */
import { z } from 'zod';
import { decimalOrAsIs } from '../container/src/decimal';
import { HyperparameterError } from '../container/src/train/errors';
import { parseHyperparameters } from '../container/src/train/hyperparameters';
import { PREPARE_ENGINES, RawTableSchema } from '../lambda/prepare-data/options';
import { resolveTuning, TuningSettingsSchema } from '../lambda/validate-input/tuning';
import type { TuningSettings } from './contracts';
import { ConfigError } from './errors';

/** `-c flag=false` arrives as the string "false": z.coerce.boolean would read it as true. */
const bool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
/** `-c` numbers arrive as strings: read in decimal notation only (z.coerce would take true, [5] or "0x1"). */
const number = () => z.preprocess(decimalOrAsIs, z.number());
const int = (min: number, max: number) => number().pipe(z.number().int().min(min).max(max));
const json = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v, ctx) => {
    if (typeof v !== 'string' || !v.trim().startsWith('{')) return v;
    try {
      return JSON.parse(v) as unknown;
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not valid JSON (${(err as Error).message})` });
      return z.NEVER;
    }
  }, schema);
/**
 * SageMaker's string values, with names and values the training program accepts, checked at synth
 * on the object as given (own names: "__proto__" is an unknown name, not a prototype).
 */
const hyperparameters = json(
  z
    .unknown()
    .superRefine((hp, ctx) => {
      try {
        if (hp && typeof hp === 'object' && !Array.isArray(hp)) parseHyperparameters(hp);
      } catch (err) {
        if (!(err instanceof HyperparameterError)) throw err;
        ctx.addIssue({ code: 'custom', message: err.message });
      }
    })
    .pipe(z.record(z.string(), z.string())),
);
const instanceType = z.string().regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, 'must look like ml.c5.2xlarge');
const scheduleExpression = z.string().regex(/^(cron|rate)\(.+\)$/, 'must be cron(...) or rate(...)');

/** Retention periods CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/**
 * SageMaker reads a blue/green update's MaximumExecutionTimeoutInSeconds in [600, 28800] and wants
 * it above the waiting the policy itself specifies (TerminationWaitInSeconds + WaitIntervalInSeconds):
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_BlueGreenUpdatePolicy.html
 * The pipeline allows the termination wait plus 30 minutes for the new fleet to come up.
 */
const BLUE_GREEN_LIMITS = { min: 600, max: 28800, provisioningSeconds: 1800 } as const;

/** Time after the blue/green timeout for SageMaker to roll traffic back to the old fleet. */
export const ROLLBACK_MARGIN_SECONDS = 300;

/** How long SageMaker may take to deploy, and how long the pipeline polls for it. */
export interface DeploymentTimings {
  /** MaximumExecutionTimeoutInSeconds of the blue/green update. */
  readonly maxExecutionTimeoutSeconds: number;
  /** deployPollIntervalSeconds x deployMaxPolls: how long the pipeline waits for one endpoint change. */
  readonly pollBudgetSeconds: number;
}

export function deploymentTimings(
  c: Pick<PipelineConfig, 'blueGreenTerminationWaitSeconds' | 'deployPollIntervalSeconds' | 'deployMaxPolls'>,
): DeploymentTimings {
  const wanted = c.blueGreenTerminationWaitSeconds + BLUE_GREEN_LIMITS.provisioningSeconds;
  return {
    maxExecutionTimeoutSeconds: Math.min(BLUE_GREEN_LIMITS.max, Math.max(BLUE_GREEN_LIMITS.min, wanted)),
    pollBudgetSeconds: c.deployPollIntervalSeconds * c.deployMaxPolls,
  };
}

/** Options without a default (absent unless set). */
export const OPTIONAL_KEYS = ['notificationEmail', 'bucketSuffix', 'rawTable', 'tuning'] as const;

/** Every option, its type and its default (docs/deploy.md, "Configuration", lists them). */
export const configSchema = z
  .object({
    projectName: z.string().regex(/^[a-z][a-z0-9-]{0,11}$/, 'lower-case letters, digits and dashes, at most 12'),
    rawDataKey: z.string().min(1).default('raw/online_retail_II.csv'),
    gateThreshold: number().pipe(z.number().min(0).max(1)),
    championTolerance: number().pipe(z.number().min(0).max(1)),
    approvalMode: z.enum(['auto', 'manual']),
    evalK: int(1, 100),
    hyperparameters,
    split: z.enum(['random', 'temporal']),
    prepareEngine: z.enum(PREPARE_ENGINES),
    rawTable: json(RawTableSchema).optional(),
    /** Every run tunes unless its input says `"tuning": null` (absent: runs train one job unless asked). */
    tuning: json(TuningSettingsSchema)
      .transform((t) => t as TuningSettings)
      .optional(),
    testFraction: number().pipe(z.number().gt(0).lt(1)),
    splitSeed: int(0, 2 ** 31 - 1),
    trainingInstanceType: instanceType,
    trainingVolumeSizeGb: int(1, 16384),
    maxTrainingRuntimeSeconds: int(60, 432000),
    useSpotTraining: bool,
    maxSpotWaitSeconds: int(60, 432000),
    endpointName: z.string().regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'a SageMaker endpoint name'),
    endpointInstanceType: instanceType,
    endpointInstanceCount: int(1, 100),
    blueGreenTerminationWaitSeconds: int(0, 3600),
    rollbackLatencyMs: number().pipe(z.number().positive()),
    rollback5xxCount: int(1, 1000000),
    deployPollIntervalSeconds: int(1, 3600),
    deployMaxPolls: int(1, 1000),
    keepModels: int(1, 100),
    startTrainingOnDeploy: bool,
    transformInstanceType: instanceType,
    transformInstanceCount: int(1, 100),
    maxTransformRuntimeSeconds: int(60, 432000),
    retrainingEnabled: bool,
    retrainingSchedule: scheduleExpression,
    batchEnabled: bool,
    batchSchedule: scheduleExpression,
    scheduleTimeZone: z.string().min(1),
    runRetentionDays: int(1, 3650),
    batchRetentionDays: int(1, 3650),
    logRetentionDays: number()
      .pipe(z.number())
      .refine((d) => LOG_RETENTION_DAYS.includes(d), `must be one of ${LOG_RETENTION_DAYS.join(', ')}`),
    stateMachineTimeoutMinutes: int(5, 525600),
    notificationEmail: z.email().optional(),
    bucketSuffix: z
      .string()
      .regex(/^[a-z0-9]{1,8}$/, 'lower-case letters and digits, at most 8')
      .optional(),
  })
  .superRefine((c, ctx) => {
    // The configured tuning is resolved as every run's would be: its ranges by the training program's rules.
    if (c.tuning) {
      try {
        resolveTuning(c.tuning, c.hyperparameters, {});
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['tuning'], message: (err as Error).message });
      }
    }
    if (c.useSpotTraining && c.maxSpotWaitSeconds < c.maxTrainingRuntimeSeconds) {
      ctx.addIssue({ code: 'custom', path: ['maxSpotWaitSeconds'], message: 'must be at least maxTrainingRuntimeSeconds' });
    }
    // The pipeline must not give up while SageMaker is still deploying (or rolling back).
    const t = deploymentTimings(c);
    const needed = t.maxExecutionTimeoutSeconds + ROLLBACK_MARGIN_SECONDS;
    if (t.pollBudgetSeconds < needed) {
      ctx.addIssue({
        code: 'custom',
        path: ['deployMaxPolls'],
        message: `deployPollIntervalSeconds x deployMaxPolls = ${t.pollBudgetSeconds} s must cover the blue/green maximum execution timeout (${t.maxExecutionTimeoutSeconds} s) plus ${ROLLBACK_MARGIN_SECONDS} s for a rollback: at least ${Math.ceil(needed / c.deployPollIntervalSeconds)} polls of ${c.deployPollIntervalSeconds} s`,
      });
    }
  });

/** The validated configuration. */
export type PipelineConfig = z.infer<typeof configSchema>;

/** Defaults of every option (cdk.json repeats them so they are visible to operators). */
export const DEFAULT_CONFIG: PipelineConfig = {
  projectName: 'bpr',
  rawDataKey: 'raw/online_retail_II.csv',
  gateThreshold: 0.05,
  championTolerance: 0.02,
  approvalMode: 'auto',
  evalK: 10,
  hyperparameters: { seed: '42' },
  split: 'random',
  prepareEngine: 'auto',
  testFraction: 0.3,
  splitSeed: 42,
  trainingInstanceType: 'ml.c5.2xlarge',
  trainingVolumeSizeGb: 30,
  maxTrainingRuntimeSeconds: 7200,
  useSpotTraining: false,
  maxSpotWaitSeconds: 14400,
  endpointName: 'bpr-recommender',
  endpointInstanceType: 'ml.c5.large',
  endpointInstanceCount: 1,
  blueGreenTerminationWaitSeconds: 300,
  rollbackLatencyMs: 500,
  rollback5xxCount: 5,
  deployPollIntervalSeconds: 30,
  deployMaxPolls: 80,
  keepModels: 3,
  startTrainingOnDeploy: false,
  transformInstanceType: 'ml.c5.2xlarge',
  transformInstanceCount: 1,
  maxTransformRuntimeSeconds: 3600,
  retrainingEnabled: true,
  retrainingSchedule: 'cron(0 3 ? * MON *)',
  batchEnabled: true,
  batchSchedule: 'cron(0 6 ? * * *)',
  scheduleTimeZone: 'UTC',
  runRetentionDays: 90,
  batchRetentionDays: 90,
  logRetentionDays: 90,
  stateMachineTimeoutMinutes: 720,
};

/** Validates raw values (context values override defaults); throws ConfigError naming each bad field. */
export function parseConfig(raw: Record<string, unknown>): PipelineConfig {
  const known = Object.fromEntries(
    [...Object.keys(DEFAULT_CONFIG), ...OPTIONAL_KEYS].filter((k) => raw[k] !== undefined).map((k) => [k, raw[k]]),
  );
  const result = configSchema.safeParse({ ...DEFAULT_CONFIG, ...known });
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return result.data;
}

/** Reads the configuration from a construct's context (the App's, normally). */
export function configFromContext(node: { tryGetContext(key: string): unknown }): PipelineConfig {
  const raw: Record<string, unknown> = {};
  for (const key of [...Object.keys(DEFAULT_CONFIG), ...OPTIONAL_KEYS]) raw[key] = node.tryGetContext(key);
  return parseConfig(raw);
}
