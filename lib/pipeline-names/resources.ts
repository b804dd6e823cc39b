/**
 * Names of the AWS resources: name prefixes (IAM scoping relies on them), buckets and their
 * prefixes, the stacks' outputs, the state machines' construct ids and tag, the endpoint's variant.
 */
import { REPORT_FILE } from '../../container/src/paths';

/** Resource names derived from the project name (resource-level IAM scoping relies on them). */
export function resourceNames(projectName: string) {
  return {
    trainingJobPrefix: `${projectName}-train-`,
    /** Tuning jobs (at most 32 characters: projectName has at most 12); their trials' names start with the tuning job's. */
    tuningJobPrefix: `${projectName}-tune-`,
    modelPrefix: `${projectName}-model-`,
    endpointConfigPrefix: `${projectName}-epc-`,
    transformJobPrefix: `${projectName}-batch-`,
    deploymentParameter: `/${projectName}/deployment`,
    /** Key of the one lock item in the deployment lock table. */
    deployLockId: 'deploy-lock',
    trainingStateMachine: `${projectName}-training-pipeline`,
    batchStateMachine: `${projectName}-batch-recommendations`,
    dataStack: `${projectName}-data`,
    pipelineStack: `${projectName}-pipeline`,
    athenaWorkGroup: `${projectName}-prepare`,
    /** Glue names take lower-case letters, digits and underscores only. */
    athenaDatabasePrefix: `${projectName.replace(/-/g, '_')}_prep_`,
  };
}

/**
 * Bucket names: deterministic (project, account, region and the optional bucketSuffix), so the
 * pipeline stack refers to the buckets by name instead of through CloudFormation exports, and IAM
 * resources read plainly. Pass account and region tokens (Aws.ACCOUNT_ID, Aws.REGION) or literal
 * values. The buckets outlive `cdk destroy`; a new suffix gives a re-deployment new ones.
 */
export function bucketNames(projectName: string, account: string, region: string, suffix?: string) {
  const end = suffix ? `-${suffix}` : '';
  return {
    raw: `${projectName}-raw-${account}-${region}${end}`,
    artifacts: `${projectName}-artifacts-${account}-${region}${end}`,
    accessLogs: `${projectName}-access-logs-${account}-${region}${end}`,
  };
}

/**
 * Prefixes of the artifacts bucket. runs/ and batch/ expire (runRetentionDays, batchRetentionDays);
 * registry/<runId>/ holds each registered model version's copies (model, batch input, catalog,
 * report, model-quality document), which its model package names, the endpoint and the batch
 * pipeline use, and which never expire. reports/ holds the latest run's report, overwritten by
 * each run (its old versions expire like runs). athena/ is Athena's work area (AthenaKeys), expired
 * after a week.
 */
export const ArtifactPrefixes = {
  runs: 'runs/',
  batch: 'batch/',
  registry: 'registry/',
  reports: 'reports/',
  athena: 'athena/',
} as const;

/**
 * Keys of the model reports in the artifacts bucket: each run's beside its data and model, and a
 * copy of the latest run's at a fixed key (the dashboard links to it).
 */
export const ReportKeys = {
  /** Under the run's prefix `runs/<execution name>/`. */
  run: REPORT_FILE,
  latest: `${ArtifactPrefixes.reports}latest.html`,
} as const;

/** Where Athena works in the artifacts bucket (a lifecycle rule expires it): query results, and each run's scratch tables and UNLOAD output. */
export const AthenaKeys = {
  prefix: ArtifactPrefixes.athena,
  results: `${ArtifactPrefixes.athena}results/`,
  work: `${ArtifactPrefixes.athena}work/`,
} as const;

/** CloudFormation output keys of the pipeline stack (the pipeline CLI reads them). */
export const StackOutputs = {
  TrainingStateMachineArn: 'TrainingStateMachineArn',
  BatchStateMachineArn: 'BatchStateMachineArn',
  DeploymentParameterName: 'DeploymentParameterName',
  NotificationTopicArn: 'NotificationTopicArn',
  EndpointName: 'EndpointName',
  ModelPackageGroupName: 'ModelPackageGroupName',
} as const;

/** Construct ids of the state machines: their logical ids start with these. */
export const StateMachineIds = {
  Training: 'TrainingPipeline',
  Batch: 'BatchRecommendations',
} as const;

/** Tag put on each state machine so tools can find it in a template without logical ids. */
export const ROLE_TAG = 'open-bpr:role';

/** The production variant every endpoint configuration uses. */
export const VARIANT_NAME = 'AllTraffic';
