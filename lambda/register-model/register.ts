/**
 * Registers a trained model as a version of the project's model package group
 * (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModelPackage.html): the
 * inference specification (the serving image, the model artifact, the content types `serve` reads
 * and answers, the instance types), ModelMetrics pointing at a model-quality document (JSON: every
 * metric and the gate's decision), the gate's reason as the description, the headline figures,
 * the training job (a tuned run's best trial, with its tuning job) and the data as customer metadata, and the approval status the gate decided:
 * Approved when it passed (PendingManualApproval with approvalMode manual), Rejected when not.
 * The run id is the ClientToken, so a retried task registers one version.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateModelPackageCommand, type CreateModelPackageCommandInput, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SUPPORTED_IN, SUPPORTED_OUT } from '../../container/src/serve/media-types';
import type { ApprovalMode, ModelApprovalStatus, RegisteredModel, RegisterModelRequest } from '../../lib/contracts';
import { ApprovalStatus, PackageMetadata as K } from '../../lib/pipeline-names';
import { REGISTRY_KEYS } from '../promote-artifacts/promote';
import { isS3Uri, joinS3, parseS3Uri } from '../shared/s3-uri';
import { RegisterInputError } from './errors';

/** The version's approval status: the gate decides, and with approvalMode manual a person confirms. */
export function approvalStatus(passed: boolean, mode: ApprovalMode): ModelApprovalStatus {
  if (!passed) return ApprovalStatus.Rejected;
  return mode === 'manual' ? ApprovalStatus.PendingManualApproval : ApprovalStatus.Approved;
}

/** CustomerMetadataProperties: at most 50 entries; keys 1-128 and values 1-256 of these characters. */
const METADATA_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const MAX_METADATA = { entries: 50, key: 128, value: 256 } as const;
/** ModelPackageDescription's length limit. */
const MAX_DESCRIPTION = 1024;

const fits = (text: string, max: number) => text.length <= max && METADATA_TEXT.test(text);
/** A metric name as a metadata key: `p@k(10)` becomes `p@k_10_`. */
const metricKey = (name: string) => name.replace(/[^\p{L}\p{N}_.:/=+\-@]/gu, '_').slice(0, MAX_METADATA.key);

/** The model-quality document (registry/<runId>/model-quality.json) that ModelMetrics points at. */
export function qualityDocument(req: RegisterModelRequest, status: ModelApprovalStatus) {
  const { metrics, passed, ...gate } = req.gate;
  return {
    modelApprovalStatus: status,
    gate: { passed, ...gate },
    metrics,
    trainingJobName: req.trainingJobName,
    executionArn: req.executionArn,
    data: { rawDataUri: req.rawDataUri, dataUri: req.dataUri, stats: req.stats },
    reportUri: req.artifacts.reportUri,
    // A tuned run: the tuning job, every trial and the best one (whose training job is this model).
    tuning: req.tuning ?? null,
  };
}

/** A tuned run's metadata: the tuning job, its trial count, the best trial's objective and hyperparameters. */
function tuningMetadata(req: RegisterModelRequest): Record<string, string> {
  const t = req.tuning;
  if (!t) return {};
  return {
    [K.tuningJobName]: t.tuningJobName,
    [K.tuningTrials]: String(t.trialCount),
    [K.tuningObjective]: `${metricKey(t.objectiveMetricName)}=${t.best.objective}`,
    [K.tuningBestHyperparameters]: Object.entries(t.best.hyperparameters)
      .map(([k, v]) => `${k}=${v}`)
      .join(' '),
  };
}

/**
 * The version's customer metadata. What the deploy-only entry reads back must fit (the request is
 * refused otherwise); the rest is left out when it does not (it is all in the model-quality document).
 */
export function metadataProperties(req: RegisterModelRequest, qualityUri: string): Record<string, string> {
  const g = req.gate;
  const json = (v: number | null) => JSON.stringify(v ?? null);
  const required: Record<string, string> = {
    [K.runId]: req.runId,
    [K.trainingJobName]: req.trainingJobName,
    [K.batchInputUri]: req.artifacts.batchInputUri,
    [K.catalogUri]: req.artifacts.catalogUri,
    [K.metricName]: g.metricName,
    [K.value]: json(g.value),
    [K.baselineValue]: json(g.baselineValue),
  };
  for (const [key, value] of Object.entries(required)) {
    if (!fits(value, MAX_METADATA.value))
      throw new RegisterInputError(`${key} ${JSON.stringify(value)} cannot be kept in the model package's metadata`);
  }
  const optional: Record<string, string> = {
    [K.championValue]: json(g.championValue),
    [K.championVersion]: json(g.championVersion),
    [K.gateDecision]: g.passed ? 'passed' : 'rejected',
    ...tuningMetadata(req),
    threshold: json(g.threshold),
    championTolerance: json(g.championTolerance),
    executionArn: req.executionArn,
    qualityUri,
    reportUri: req.artifacts.reportUri ?? 'none',
    rawDataUri: req.rawDataUri,
    dataUri: req.dataUri,
    ...Object.fromEntries(
      (['users', 'items', 'pairs'] as const).flatMap((f) =>
        typeof req.stats?.[f] === 'number' ? [[`data.${f}`, json(req.stats[f])]] : [],
      ),
    ),
    ...Object.fromEntries(Object.entries(g.metrics).map(([name, v]) => [metricKey(name), json(v)])),
  };
  const out = { ...required };
  for (const [key, value] of Object.entries(optional)) {
    if (Object.keys(out).length >= MAX_METADATA.entries) break;
    if (!(key in out) && fits(value, MAX_METADATA.value)) out[key] = value;
  }
  return out;
}

/** The CreateModelPackage request. */
export function createModelPackageInput(
  req: RegisterModelRequest,
  status: ModelApprovalStatus,
  qualityUri: string,
): CreateModelPackageCommandInput {
  return {
    ModelPackageGroupName: req.modelPackageGroupName,
    ModelPackageDescription: req.gate.reason.slice(0, MAX_DESCRIPTION),
    ModelApprovalStatus: status,
    ClientToken: req.runId,
    InferenceSpecification: {
      Containers: [{ Image: req.image, ModelDataUrl: req.artifacts.modelDataUrl }],
      SupportedContentTypes: [...SUPPORTED_IN],
      SupportedResponseMIMETypes: [...SUPPORTED_OUT],
      SupportedRealtimeInferenceInstanceTypes: [req.realtimeInstanceType],
      SupportedTransformInstanceTypes: [req.transformInstanceType],
    } as CreateModelPackageCommandInput['InferenceSpecification'],
    ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: qualityUri } } },
    MetadataProperties: { GeneratedBy: req.executionArn.slice(0, 1024) },
    CustomerMetadataProperties: metadataProperties(req, qualityUri),
  };
}

/** A versioned package's ARN ends in `/<group>/<version>`. */
export function versionOf(arn: string): number {
  const m = /:model-package\/[^/]+\/(\d+)$/.exec(arn);
  if (!m) throw new RegisterInputError(`CreateModelPackage answered ${JSON.stringify(arn)}, not a versioned model package ARN`);
  return Number(m[1]);
}

function check(req: RegisterModelRequest): void {
  for (const field of ['modelPackageGroupName', 'runId', 'executionArn', 'trainingJobName', 'image'] as const) {
    if (typeof req?.[field] !== 'string' || !req[field]) throw new RegisterInputError(`${field} must be a non-empty string`);
  }
  if (req.approvalMode !== 'auto' && req.approvalMode !== 'manual')
    throw new RegisterInputError(`approvalMode must be auto or manual, got ${JSON.stringify(req.approvalMode)}`);
  if (typeof req.gate?.passed !== 'boolean' || typeof req.gate.reason !== 'string')
    throw new RegisterInputError('gate must be the EvaluateGate decision');
  for (const field of ['prefix', 'modelDataUrl', 'batchInputUri', 'catalogUri'] as const) {
    if (typeof req.artifacts?.[field] !== 'string' || !isS3Uri(req.artifacts[field]))
      throw new RegisterInputError(`artifacts.${field} must be an s3:// URI`);
  }
}

/** Writes the model-quality document, then creates the version; returns where it is and its status. */
export async function register(sagemaker: SageMakerClient, s3: S3Client, req: RegisterModelRequest): Promise<RegisteredModel> {
  check(req);
  const status = approvalStatus(req.gate.passed, req.approvalMode);
  const qualityUri = joinS3(req.artifacts.prefix, REGISTRY_KEYS.quality);
  const { bucket, key } = parseS3Uri(qualityUri);
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: JSON.stringify(qualityDocument(req, status), null, 2) + '\n',
      ContentType: 'application/json',
    }),
  );
  const created = await sagemaker.send(new CreateModelPackageCommand(createModelPackageInput(req, status, qualityUri)));
  const modelPackageArn = String(created.ModelPackageArn);
  return { modelPackageArn, modelPackageVersion: versionOf(modelPackageArn), modelApprovalStatus: status, qualityUri };
}
