/**
 * `npm run pipeline -- models | approve VERSION | reject VERSION`: the project's Model Registry
 * with @aws-sdk/client-sagemaker. `models` lists the versions newest first with their approval
 * status, headline metrics, creation time and which one is live (the deployment record names it);
 * `approve` and `reject` set a version's approval status. With approvalMode manual, approving a
 * version deploys it (an EventBridge rule starts the deploy-only entry); rejecting changes nothing
 * deployed.
 */
import {
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  UpdateModelPackageCommand,
  type DescribeModelPackageCommandOutput,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { DEFAULT_CONFIG } from '../config';
import type { DeploymentRecord, ModelApprovalStatus } from '../contracts';
import { ApprovalStatus, modelPackageGroupName, PackageMetadata, resourceNames } from '../pipeline-names';
import { UsageError, VersionNotFoundError } from './errors';
import { numberOption, parseCommandLine } from './options';

/** Options every registry command takes: where the registry is. */
export interface RegistryOptions {
  readonly projectName: string;
  readonly bucketSuffix?: string;
  readonly region?: string;
}

export const REGISTRY_OPTIONS_USAGE = `  --project NAME                 project name (default: ${DEFAULT_CONFIG.projectName})
  --bucket-suffix SUFFIX         the stacks' bucketSuffix, when set (it is part of the model package group's name)
  --region REGION                AWS region (default: the SDK's configuration)`;

export const REGISTRY_USAGE = `usage: npm run pipeline -- models [--limit N] [options]
       npm run pipeline -- approve VERSION [--description TEXT] [options]
       npm run pipeline -- reject VERSION [--description TEXT] [options]
  --limit N                      versions listed, newest first (default 20)
  --description TEXT             why (kept as the version's approval description)
${REGISTRY_OPTIONS_USAGE}`;

/** The options of where the registry is, parsed with the command's own. */
export const registryOptionSpec = {
  project: { type: 'string', default: DEFAULT_CONFIG.projectName },
  'bucket-suffix': { type: 'string' },
  region: { type: 'string' },
} as const;

export function registryOptions(v: { project?: string; 'bucket-suffix'?: string; region?: string }): RegistryOptions {
  const suffix = v['bucket-suffix'];
  if (suffix !== undefined && !/^[a-z0-9]{1,8}$/.test(suffix))
    throw new UsageError(`--bucket-suffix must be 1-8 lower-case letters and digits, got "${suffix}"`);
  return { projectName: v.project ?? DEFAULT_CONFIG.projectName, bucketSuffix: suffix, region: v.region };
}

/** A version number as given on the command line. */
export function versionArgument(raw: string | undefined, command: string): number {
  if (raw === undefined) throw new UsageError(`${command} needs a VERSION (npm run pipeline -- models lists them)`);
  if (!/^[1-9][0-9]{0,4}$/.test(raw)) throw new UsageError(`VERSION must be a version number (1, 2, ...), got "${raw}"`);
  return Number(raw);
}

/** The parsed `models`, `approve` or `reject` command. */
export type RegistryCommand =
  | ({ readonly command: 'models'; readonly limit: number } & RegistryOptions)
  | ({ readonly command: 'approve' | 'reject'; readonly version: number; readonly description?: string } & RegistryOptions);

export function parseRegistryArgs(argv: string[]): RegistryCommand {
  const [command, ...rest] = argv;
  if (command === 'models') {
    const v = parseCommandLine(rest, { ...registryOptionSpec, limit: { type: 'string' } });
    const limit = numberOption(v.limit, 'limit', { integer: true, atLeast: 1, atMost: 1000 }) ?? 20;
    return { command, limit, ...registryOptions(v) };
  }
  if (command !== 'approve' && command !== 'reject') throw new UsageError(`unknown command "${command ?? ''}"`);
  const positional = rest[0] !== undefined && !rest[0].startsWith('--') ? rest[0] : undefined;
  const v = parseCommandLine(positional === undefined ? rest : rest.slice(1), {
    ...registryOptionSpec,
    description: { type: 'string' },
  });
  return { command, version: versionArgument(positional, command), description: v.description, ...registryOptions(v) };
}

/** What the registry commands need from the outside world (tests inject fakes). */
export interface RegistryDeps {
  readonly sagemaker: SageMakerClient;
  readonly ssm: SSMClient;
  readonly log: (line: string) => void;
}

/** The group of the project (and bucket suffix). */
export const groupOf = (o: RegistryOptions) => modelPackageGroupName(o.projectName, o.bucketSuffix);

/** The deployment record (what is live), or null before the first deployment. */
export async function liveRecord(ssm: SSMClient, o: RegistryOptions): Promise<DeploymentRecord | null> {
  try {
    const p = await ssm.send(new GetParameterCommand({ Name: resourceNames(o.projectName).deploymentParameter }));
    return JSON.parse(p.Parameter?.Value ?? 'null') as DeploymentRecord | null;
  } catch (err) {
    if ((err as Error).name === 'ParameterNotFound') return null;
    throw err;
  }
}

/** A version of the group, described; VersionNotFoundError when there is none. */
export async function describeVersion(
  sagemaker: SageMakerClient,
  o: RegistryOptions,
  version: number,
): Promise<DescribeModelPackageCommandOutput> {
  const group = groupOf(o);
  try {
    // DescribeModelPackage takes a versioned package as `<group>/<version>`.
    return await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: `${group}/${version}` }));
  } catch (err) {
    if ((err as Error).name === 'ValidationException' && /does not exist/i.test((err as Error).message))
      throw new VersionNotFoundError(`version ${version} is not in model package group ${group}`);
    throw err;
  }
}

/** Every version of the group, newest first, at most `limit` (ListModelPackages pages of 100). */
export async function listVersions(sagemaker: SageMakerClient, o: RegistryOptions, limit: number, status?: ModelApprovalStatus) {
  const out: { arn: string; version: number; status: string; created: Date }[] = [];
  let NextToken: string | undefined;
  do {
    const page = await sagemaker.send(
      new ListModelPackagesCommand({
        ModelPackageGroupName: groupOf(o),
        ModelPackageType: 'Versioned',
        ModelApprovalStatus: status,
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
        MaxResults: 100,
        NextToken,
      }),
    );
    for (const p of page.ModelPackageSummaryList ?? []) {
      out.push({
        arn: String(p.ModelPackageArn),
        version: Number(p.ModelPackageVersion),
        status: String(p.ModelApprovalStatus),
        created: new Date(p.CreationTime ?? 0),
      });
    }
    NextToken = page.NextToken;
  } while (NextToken && out.length < limit);
  return out.slice(0, limit);
}

/** A metadata value written as JSON (a number, or null), shown with 4 significant digits. */
const figure = (raw: string | undefined) => {
  let n: unknown = null;
  try {
    n = raw === undefined ? null : JSON.parse(raw);
  } catch {
    // not written by this pipeline
  }
  return typeof n === 'number' && Number.isFinite(n) ? Number(n.toPrecision(4)).toString() : '-';
};

/** `models`: one line per version, newest first. */
export async function runModels(o: Extract<RegistryCommand, { command: 'models' }>, deps: RegistryDeps): Promise<number> {
  const record = await liveRecord(deps.ssm, o);
  const versions = await listVersions(deps.sagemaker, o, o.limit);
  const group = groupOf(o);
  deps.log(
    `model package group ${group}: ${versions.length ? `${versions.length} version(s), newest first` : 'no versions yet'}; live: ${record?.modelPackageVersion === undefined ? 'none' : `version ${record.modelPackageVersion} on endpoint ${record.endpointName}`}`,
  );
  if (!versions.length) return 0;
  const rows = [['VERSION', 'STATUS', 'CREATED (UTC)', 'METRIC', 'VALUE', 'BASELINE', 'LIVE THEN', 'GATE']];
  const reasons: string[] = [];
  for (const v of versions) {
    const d = await deps.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: v.arn }));
    const m = d.CustomerMetadataProperties ?? {};
    const live = record?.modelPackageArn === v.arn;
    rows.push([
      `${v.version}${live ? ' *' : ''}`,
      v.status,
      v.created.toISOString().replace('T', ' ').slice(0, 19),
      m[PackageMetadata.metricName] ?? '-',
      figure(m[PackageMetadata.value]),
      figure(m[PackageMetadata.baselineValue]),
      figure(m[PackageMetadata.championValue]),
      m[PackageMetadata.gateDecision] ?? '-',
    ]);
    reasons.push(`  ${v.version}: ${d.ModelPackageDescription ?? ''}`);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows)
    deps.log(
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    );
  deps.log('(* live) the gate of each version:');
  for (const r of reasons) deps.log(r);
  return 0;
}

/** `approve` / `reject`: sets the version's approval status. */
export async function runApproval(
  o: Extract<RegistryCommand, { command: 'approve' | 'reject' }>,
  deps: RegistryDeps,
): Promise<number> {
  const wanted: ModelApprovalStatus = o.command === 'approve' ? ApprovalStatus.Approved : ApprovalStatus.Rejected;
  const d = await describeVersion(deps.sagemaker, o, o.version);
  const arn = String(d.ModelPackageArn);
  if (d.ModelApprovalStatus === wanted) {
    deps.log(`version ${o.version} is already ${wanted}: nothing was changed`);
    return 0;
  }
  await deps.sagemaker.send(
    new UpdateModelPackageCommand({
      ModelPackageArn: arn,
      ModelApprovalStatus: wanted,
      ApprovalDescription: o.description ?? `${wanted} with npm run pipeline -- ${o.command}`,
    }),
  );
  deps.log(`version ${o.version} (${arn}): ${d.ModelApprovalStatus} -> ${wanted}`);
  if (wanted === ApprovalStatus.Approved) {
    deps.log(
      `with approvalMode manual the pipeline deploys it now (watch the training state machine's executions); with auto, deploy it with: npm run pipeline -- rollback --to ${o.version}`,
    );
  } else {
    const record = await liveRecord(deps.ssm, o);
    if (record?.modelPackageArn === arn)
      deps.log(`version ${o.version} stays live until another version is deployed (npm run pipeline -- rollback)`);
  }
  return 0;
}
