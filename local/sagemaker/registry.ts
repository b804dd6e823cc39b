/**
 * The Model Registry as SageMaker keeps it: model package groups (the template's
 * AWS::SageMaker::ModelPackageGroup resources) and their versioned model packages, numbered from 1
 * in each group. CreateModelPackage (with ClientToken idempotency), DescribeModelPackage (by ARN or
 * `<group>/<version>`), ListModelPackages (filters, CreationTime or Name order, MaxResults 1-100
 * and NextToken pages) and UpdateModelPackage (the approval status), with SageMaker's checks and
 * ValidationException for a bad request or a missing group or package:
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModelPackage.html
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ListModelPackages.html
 * A change of a version's approval status (and its creation) is told to the listeners as the
 * "SageMaker Model Package State Change" event EventBridge would receive.
 */
import { asRecord, sageMakerArn, type Json, type SageMakerContext } from './context';
import { SageMakerValidationError } from './errors';

const APPROVAL = ['Approved', 'Rejected', 'PendingManualApproval'] as const;
type Approval = (typeof APPROVAL)[number];
const GROUP_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
/** CustomerMetadataProperties keys and values (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ModelPackage.html). */
const METADATA_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export interface ModelPackage {
  readonly ModelPackageGroupName: string;
  readonly ModelPackageVersion: number;
  readonly ModelPackageArn: string;
  readonly ModelPackageName: string;
  readonly ModelPackageDescription?: string;
  readonly CreationTime: Date;
  readonly InferenceSpecification: Json;
  readonly ModelMetrics?: Json;
  readonly MetadataProperties?: Json;
  readonly CustomerMetadataProperties?: Record<string, string>;
  readonly ModelPackageStatus: 'Completed';
  ModelApprovalStatus: Approval;
  ApprovalDescription?: string;
  LastModifiedTime: Date;
}

/** The event EventBridge receives for a model package (source aws.sagemaker). */
export interface ModelPackageEvent {
  readonly source: 'aws.sagemaker';
  readonly 'detail-type': 'SageMaker Model Package State Change';
  readonly resources: string[];
  readonly detail: Json;
}

const invalid = (field: string, value: unknown, constraint: string) =>
  new SageMakerValidationError(
    `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: ${constraint}`,
  );

function approval(value: unknown, field = 'modelApprovalStatus'): Approval {
  if (!APPROVAL.includes(value as Approval))
    throw invalid(field, value, `Member must satisfy enum value set: [${APPROVAL.join(', ')}]`);
  return value as Approval;
}

function metadata(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const entries = Object.entries(asRecord(value));
  if (entries.length > 50)
    throw invalid('customerMetadataProperties', `${entries.length} entries`, 'Map must have length less than or equal to 50');
  for (const [k, v] of entries) {
    if (typeof v !== 'string' || !v || v.length > 256 || !METADATA_TEXT.test(v))
      throw invalid(
        `customerMetadataProperties.${k}`,
        v,
        'Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@]*)${1,256}',
      );
    if (!k || k.length > 128 || !METADATA_TEXT.test(k))
      throw invalid(
        'customerMetadataProperties',
        k,
        'Map keys must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@]*)${1,128}',
      );
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

export class ModelRegistry {
  private readonly groups = new Map<string, ModelPackage[]>();
  private readonly tokens = new Map<string, string>();
  private readonly listeners: ((event: ModelPackageEvent) => void)[] = [];

  constructor(
    private readonly ctx: SageMakerContext,
    groups: readonly string[] = [],
  ) {
    for (const g of groups) this.createGroup(g);
  }

  createGroup(name: string): void {
    if (!GROUP_NAME.test(name)) throw invalid('modelPackageGroupName', name, 'Member must satisfy regular expression pattern');
    if (!this.groups.has(name)) this.groups.set(name, []);
  }

  /** Tells `listener` every state change, as EventBridge would receive it. */
  onStateChange(listener: (event: ModelPackageEvent) => void): void {
    this.listeners.push(listener);
  }

  private emit(p: ModelPackage): void {
    const event: ModelPackageEvent = {
      source: 'aws.sagemaker',
      'detail-type': 'SageMaker Model Package State Change',
      resources: [p.ModelPackageArn],
      detail: JSON.parse(JSON.stringify(p)) as Json,
    };
    for (const l of this.listeners) l(event);
  }

  private group(name: unknown): ModelPackage[] {
    const bare = String(name).replace(/^arn:aws[a-z-]*:sagemaker:[^:]*:\d{12}:model-package-group\//, '');
    const group = [...this.groups.entries()].find(([g]) => g.toLowerCase() === bare.toLowerCase())?.[1];
    if (!group)
      throw new SageMakerValidationError(
        `Model Package Group ${sageMakerArn(this.ctx, 'model-package-group', bare)} does not exist.`,
      );
    return group;
  }

  createModelPackage(params: Json): Json {
    if (params.ModelPackageName !== undefined)
      throw new SageMakerValidationError(
        'Both ModelPackageName and ModelPackageGroupName are provided; versioned models take a group only',
      );
    const group = this.group(params.ModelPackageGroupName);
    const groupName = [...this.groups.entries()].find(([, v]) => v === group)![0];
    const token = typeof params.ClientToken === 'string' ? `${groupName}/${params.ClientToken}` : undefined;
    const earlier = token ? this.tokens.get(token) : undefined;
    if (earlier) return { ModelPackageArn: earlier };
    const spec = asRecord(params.InferenceSpecification);
    const containers = Array.isArray(spec.Containers) ? spec.Containers.map(asRecord) : [];
    if (containers.length === 0 || typeof containers[0]!.Image !== 'string')
      throw new SageMakerValidationError('InferenceSpecification.Containers must hold a container with an Image');
    const description = params.ModelPackageDescription;
    if (description !== undefined && (typeof description !== 'string' || description.length > 1024))
      throw invalid('modelPackageDescription', description, 'Member must have length less than or equal to 1024');
    const version = group.length + 1;
    const arn = sageMakerArn(this.ctx, 'model-package', `${groupName}/${version}`);
    const now = new Date();
    const pkg: ModelPackage = {
      ModelPackageGroupName: groupName,
      ModelPackageVersion: version,
      ModelPackageArn: arn,
      ModelPackageName: groupName,
      ModelPackageDescription: description as string | undefined,
      CreationTime: now,
      InferenceSpecification: spec,
      ModelMetrics: params.ModelMetrics === undefined ? undefined : asRecord(params.ModelMetrics),
      MetadataProperties: params.MetadataProperties === undefined ? undefined : asRecord(params.MetadataProperties),
      CustomerMetadataProperties: metadata(params.CustomerMetadataProperties),
      ModelPackageStatus: 'Completed',
      // Optional for versioned models; SageMaker's default is PendingManualApproval.
      ModelApprovalStatus:
        params.ModelApprovalStatus === undefined ? 'PendingManualApproval' : approval(params.ModelApprovalStatus),
      LastModifiedTime: now,
    };
    group.push(pkg);
    if (token) this.tokens.set(token, arn);
    this.ctx.log(`model package ${arn}: ${pkg.ModelApprovalStatus}`);
    this.emit(pkg);
    return { ModelPackageArn: arn };
  }

  /** A version by its ARN or `<group>/<version>`. */
  describe(name: unknown): ModelPackage {
    const m = /^(?:arn:aws[a-z-]*:sagemaker:[^:]*:\d{12}:model-package\/)?([^/]+)\/(\d{1,5})$/.exec(String(name));
    const pkg = m
      ? [...this.groups.entries()].find(([g]) => g.toLowerCase() === m[1]!.toLowerCase())?.[1][Number(m[2]) - 1]
      : undefined;
    if (!pkg) throw new SageMakerValidationError(`ModelPackage ${String(name)} does not exist.`);
    return pkg;
  }

  describeModelPackage(params: Json): Json {
    return { ...this.describe(params.ModelPackageName) };
  }

  listModelPackages(params: Json): Json {
    const max = params.MaxResults === undefined ? 10 : Number(params.MaxResults);
    if (!Number.isInteger(max) || max < 1 || max > 100)
      throw invalid('maxResults', params.MaxResults, 'Member must have value between 1 and 100');
    const sortBy = params.SortBy ?? 'CreationTime';
    const order = params.SortOrder ?? 'Ascending';
    if (sortBy !== 'CreationTime' && sortBy !== 'Name')
      throw invalid('sortBy', sortBy, 'Member must satisfy enum value set: [Name, CreationTime]');
    if (order !== 'Ascending' && order !== 'Descending')
      throw invalid('sortOrder', order, 'Member must satisfy enum value set: [Ascending, Descending]');
    const status = params.ModelApprovalStatus === undefined ? undefined : approval(params.ModelApprovalStatus);
    const all =
      params.ModelPackageGroupName === undefined ? [...this.groups.values()].flat() : this.group(params.ModelPackageGroupName);
    const key = (p: ModelPackage) =>
      sortBy === 'Name'
        ? `${p.ModelPackageGroupName}/${String(p.ModelPackageVersion).padStart(5, '0')}`
        : p.CreationTime.getTime();
    const sorted = all
      .filter((p) => status === undefined || p.ModelApprovalStatus === status)
      .sort((a, b) => {
        const [x, y] = [key(a), key(b)];
        const c = x < y ? -1 : x > y ? 1 : a.ModelPackageVersion - b.ModelPackageVersion;
        return order === 'Ascending' ? c : -c;
      });
    const start =
      params.NextToken === undefined ? 0 : Number.parseInt(Buffer.from(String(params.NextToken), 'base64').toString(), 10);
    if (!Number.isInteger(start) || start < 0) throw new SageMakerValidationError('Invalid NextToken');
    const page = sorted.slice(start, start + max);
    return {
      ModelPackageSummaryList: page.map((p) => ({
        ModelPackageGroupName: p.ModelPackageGroupName,
        ModelPackageVersion: p.ModelPackageVersion,
        ModelPackageArn: p.ModelPackageArn,
        ModelPackageName: p.ModelPackageName,
        ModelPackageDescription: p.ModelPackageDescription,
        CreationTime: p.CreationTime,
        ModelPackageStatus: p.ModelPackageStatus,
        ModelApprovalStatus: p.ModelApprovalStatus,
      })),
      ...(start + max < sorted.length ? { NextToken: Buffer.from(String(start + max)).toString('base64') } : {}),
    };
  }

  updateModelPackage(params: Json): Json {
    const pkg = this.describe(params.ModelPackageArn);
    const before = pkg.ModelApprovalStatus;
    if (params.ModelApprovalStatus !== undefined) pkg.ModelApprovalStatus = approval(params.ModelApprovalStatus);
    if (params.ApprovalDescription !== undefined) pkg.ApprovalDescription = String(params.ApprovalDescription).slice(0, 1024);
    pkg.LastModifiedTime = new Date();
    if (pkg.ModelApprovalStatus !== before) {
      this.ctx.log(`model package ${pkg.ModelPackageArn}: ${before} -> ${pkg.ModelApprovalStatus}`);
      this.emit(pkg);
    }
    return { ModelPackageArn: pkg.ModelPackageArn };
  }

  /**
   * What CreateModel finds for `ModelPackageName`: the version's container. A versioned package
   * must be Approved to be deployed (CreateModelPackage's ModelApprovalStatus).
   */
  containerFor(name: unknown): Json {
    const pkg = this.describe(name);
    if (pkg.ModelApprovalStatus !== 'Approved')
      throw new SageMakerValidationError(
        `ModelPackage ${pkg.ModelPackageArn} is ${pkg.ModelApprovalStatus}: a versioned model package must be Approved to be deployed.`,
      );
    return asRecord((pkg.InferenceSpecification.Containers as unknown[])[0]);
  }

  /** Every version, oldest first. */
  all(): ModelPackage[] {
    return [...this.groups.values()].flat();
  }
}
