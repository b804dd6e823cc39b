/**
 * The pipeline's Lambdas, each with only the grants it needs. They are built in the stack's own
 * scope (not a child construct), so their logical ids do not depend on this file.
 */
import { Duration, Size, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ATHENA_RESULTS } from '../lambda/prepare-data/options';
import { PipelineConfig } from './config';
import { nativeBundling } from './native-bundling';
import { nodeFunction } from './node-function';
import { REGISTRY_KEYS } from '../lambda/promote-artifacts/promote';
import { ArtifactPrefixes, AthenaKeys, ReportKeys, resourceNames } from './pipeline-names';
import { modelPackageArns, sagemakerArn } from './task-helpers';

/** Object actions on `<bucket>/<prefix>*` for each prefix. */
export function objectStatement(actions: string[], bucket: s3.IBucket, ...prefixes: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions, resources: prefixes.map((p) => bucket.arnForObjects(`${p}*`)) });
}

/** s3:ListBucket on the bucket, limited to keys under the prefixes (all keys when the only one is empty). */
export function listStatement(bucket: s3.IBucket, ...prefixes: string[]): iam.PolicyStatement {
  const limited = prefixes.filter(Boolean);
  return new iam.PolicyStatement({
    actions: ['s3:ListBucket'],
    resources: [bucket.bucketArn],
    ...(limited.length ? { conditions: { StringLike: { 's3:prefix': limited.map((p) => `${p}*`) } } } : {}),
  });
}

/** What the Lambdas need. */
export interface PipelineFunctionsProps {
  /** Validated configuration (project and endpoint names). */
  readonly config: PipelineConfig;
  /** The raw-data bucket (read by prepare-data). */
  readonly rawBucket: s3.IBucket;
  /** The artifacts bucket (runs/, registry/, reports/, Athena's results under athena/). */
  readonly artifactsBucket: s3.IBucket;
  /** Retention of each function's log group. */
  readonly logRetention: logs.RetentionDays;
  /** The model package group register-model adds versions to. */
  readonly modelPackageGroupName: string;
}

/** The pipeline's Lambdas (named as the state machines' props name them). */
export interface PipelineFunctions {
  /** lambda/validate-input. */
  readonly validateFunction: lambda.Function;
  /** lambda/prepare-data. */
  readonly prepareFunction: lambda.Function;
  /** lambda/evaluate-gate. */
  readonly gateFunction: lambda.Function;
  /** lambda/publish-report. */
  readonly reportFunction: lambda.Function;
  /** lambda/promote-artifacts. */
  readonly promoteFunction: lambda.Function;
  /** lambda/register-model. */
  readonly registerFunction: lambda.Function;
  /** lambda/prune-deployments. */
  readonly pruneFunction: lambda.Function;
}

/** Builds the Lambdas in the stack's scope. */
export function buildPipelineFunctions(stack: Stack, props: PipelineFunctionsProps): PipelineFunctions {
  const { config, rawBucket, artifactsBucket, logRetention } = props;
  const names = resourceNames(config.projectName);
  const { runs, registry } = ArtifactPrefixes;

  // Checks the execution input it is given: no AWS access at all.
  const validateFunction = nodeFunction(
    stack,
    'ValidateInputFunction',
    'validate-input',
    256,
    Duration.seconds(10),
    logRetention,
  );

  // DuckDB takes 70 % of the memory and spills to /tmp, where the input is downloaded too (AUTO_ATHENA_BYTES
  // bounds what `auto` leaves to it); its native binary ships for the function's architecture (nativeBundling).
  const prepareFunction = nodeFunction(
    stack,
    'PrepareDataFunction',
    'prepare-data',
    4096,
    Duration.minutes(15),
    logRetention,
    Size.gibibytes(10),
    nativeBundling(['@duckdb/node-api'], lambda.Architecture.ARM_64),
  );
  // Any raw object may be named in the execution input (ListBucket turns a missing key into
  // NoSuchKey instead of AccessDenied); outputs are only written (and removed on failure) under runs/.
  prepareFunction.addToRolePolicy(objectStatement(['s3:GetObject'], rawBucket, ''));
  prepareFunction.addToRolePolicy(listStatement(rawBucket, ''));
  prepareFunction.addToRolePolicy(
    objectStatement(['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'], artifactsBucket, runs),
  );
  // The publish step reads (and lists) its run's UNLOAD results only: athena/work/<execution>/results/.
  const athenaResults = `${AthenaKeys.work}*/${ATHENA_RESULTS}/`;
  prepareFunction.addToRolePolicy(objectStatement(['s3:GetObject'], artifactsBucket, athenaResults));
  prepareFunction.addToRolePolicy(listStatement(artifactsBucket, athenaResults));
  const gateFunction = nodeFunction(stack, 'EvaluateGateFunction', 'evaluate-gate', 256, Duration.seconds(30), logRetention);

  // Reads a run's artifacts, writes their copies under registry/.
  const promoteFunction = nodeFunction(
    stack,
    'PromoteArtifactsFunction',
    'promote-artifacts',
    256,
    Duration.minutes(5),
    logRetention,
  );
  promoteFunction.addToRolePolicy(objectStatement(['s3:GetObject'], artifactsBucket, runs, registry));
  promoteFunction.addToRolePolicy(listStatement(artifactsBucket, runs));
  promoteFunction.addToRolePolicy(objectStatement(['s3:PutObject', 's3:AbortMultipartUpload'], artifactsBucket, registry));

  // Writes each version's model-quality document and creates the version, in the project's group only.
  const registerFunction = nodeFunction(
    stack,
    'RegisterModelFunction',
    'register-model',
    256,
    Duration.seconds(60),
    logRetention,
  );
  registerFunction.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['s3:PutObject'],
      resources: [artifactsBucket.arnForObjects(`${registry}*/${REGISTRY_KEYS.quality}`)],
    }),
  );
  registerFunction.addToRolePolicy(
    new iam.PolicyStatement({
      // CreateModelPackage authorizes against the group and the new version:
      // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html
      actions: ['sagemaker:CreateModelPackage'],
      resources: modelPackageArns(stack, props.modelPackageGroupName),
    }),
  );

  // Deletes old models and endpoint configurations, never the endpoint.
  const pruneFunction = nodeFunction(
    stack,
    'PruneDeploymentsFunction',
    'prune-deployments',
    256,
    Duration.minutes(2),
    logRetention,
  );
  pruneFunction.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['sagemaker:ListModels', 'sagemaker:ListEndpointConfigs'], resources: ['*'] }),
  );
  pruneFunction.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['sagemaker:DescribeEndpoint'],
      resources: [sagemakerArn(stack, 'endpoint', config.endpointName.toLowerCase())],
    }),
  );
  pruneFunction.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['sagemaker:DescribeEndpointConfig', 'sagemaker:DeleteEndpointConfig'],
      resources: [sagemakerArn(stack, 'endpoint-config', `${names.endpointConfigPrefix}*`)],
    }),
  );
  pruneFunction.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['sagemaker:DeleteModel'],
      resources: [sagemakerArn(stack, 'model', `${names.modelPrefix}*`)],
    }),
  );

  // Reads only the training jobs' output archives; writes only the reports.
  // A tuned run's report gets a chart drawn with Vega (ES modules loaded with import()): they ship
  // in the asset's node_modules instead of the bundle.
  const reportFunction = nodeFunction(
    stack,
    'PublishReportFunction',
    'publish-report',
    1024,
    Duration.seconds(60),
    logRetention,
    undefined,
    { architecture: lambda.Architecture.ARM_64, bundling: { nodeModules: ['vega', 'vega-lite'] } },
  );
  reportFunction.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: [artifactsBucket.arnForObjects(`${runs}*/output/output.tar.gz`)],
    }),
  );
  reportFunction.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['s3:PutObject'],
      resources: [artifactsBucket.arnForObjects(`${runs}*/${ReportKeys.run}`), artifactsBucket.arnForObjects(ReportKeys.latest)],
    }),
  );

  return { validateFunction, prepareFunction, gateFunction, reportFunction, promoteFunction, registerFunction, pruneFunction };
}
