/**
 * The deploy-only entry of the training state machine: an execution whose input is
 * `{ "deployModelPackage": "<model package version ARN>" }` (the pipeline CLI's rollback, or the
 * EventBridge rule on an approval) describes the version, checks that it is an Approved version of
 * the project's group registered by this pipeline, and hands the same DeployRequest a training run
 * builds to the same deployment steps: lock, model from the package, blue/green rollout, record.
 */
import { Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { PipelineConfig } from './config';
import type { DeployRequest, Fields } from './contracts';
import { ApprovalStatus, PackageMetadata, PipelineErrors, resourceNames, TrainingStates as S } from './pipeline-names';
import { guard, jsonPaths, sagemakerArn } from './task-helpers';

/** What the deploy-only entry needs. */
export interface DeployOnlyStepsProps {
  /** Validated configuration (name prefixes). */
  readonly config: PipelineConfig;
  /** The project's model package group: only its versions are deployed. */
  readonly modelPackageGroupName: string;
  /** Where errors go (sets `$.error` first). */
  readonly failure: sfn.IChainable;
  /** The deployment steps' first state (reads `$.deployRequest`). */
  readonly deploy: sfn.IChainable;
}

const metadata = (key: string) => `$.package.CustomerMetadataProperties.${key}`;
const MODEL_DATA = '$.package.InferenceSpecification.Containers[0].ModelDataUrl';

/** NameDeployment -> DescribeModelPackage -> CheckModelPackage -> BuildPackageDeployRequest; returns the first state. */
export function buildDeployOnlySteps(scope: Construct, props: DeployOnlyStepsProps): sfn.IChainable {
  const { config, modelPackageGroupName: group } = props;
  const names = resourceNames(config.projectName);
  // The model and endpoint configuration created for this deployment get names of their own.
  const name = new sfn.Pass(scope, S.NameDeployment, { parameters: { 'id.$': 'States.UUID()' }, resultPath: '$.deployment' });
  const describe = guard(
    new tasks.CallAwsService(scope, S.DescribeModelPackage, {
      service: 'sagemaker',
      action: 'describeModelPackage',
      parameters: { ModelPackageName: sfn.JsonPath.stringAt('$.input.deployModelPackage') },
      iamAction: 'sagemaker:DescribeModelPackage',
      // Versions of the project's group only: another group's package is refused by IAM too.
      iamResources: [sagemakerArn(Stack.of(scope), 'model-package', `${group.toLowerCase()}/*`)],
      resultPath: '$.package',
    }),
    props.failure,
  );
  const notDeployable = new sfn.Pass(scope, S.ModelPackageNotDeployable, {
    parameters: {
      Error: PipelineErrors.ModelPackageNotDeployable,
      'Cause.$': `States.Format('Model package {} cannot be deployed: only an Approved version of the model package group ${group} registered by this pipeline can be (npm run pipeline -- models lists them)', $.input.deployModelPackage)`,
    },
    resultPath: '$.error',
  }).next(props.failure);
  const request: Fields<DeployRequest, string> = {
    runId: metadata(PackageMetadata.runId),
    modelName: `States.Format('${names.modelPrefix}{}', $.deployment.id)`,
    endpointConfigName: `States.Format('${names.endpointConfigPrefix}{}', $.deployment.id)`,
    modelPackageArn: '$.package.ModelPackageArn',
    modelPackageVersion: '$.package.ModelPackageVersion',
    trainingJobName: metadata(PackageMetadata.trainingJobName),
    modelDataUrl: MODEL_DATA,
    batchInputUri: metadata(PackageMetadata.batchInputUri),
    catalogUri: metadata(PackageMetadata.catalogUri),
    metricName: metadata(PackageMetadata.metricName),
    // Metadata values are strings: the numbers were written as JSON.
    value: `States.StringToJson(${metadata(PackageMetadata.value)})`,
    baselineValue: `States.StringToJson(${metadata(PackageMetadata.baselineValue)})`,
  };
  const build = new sfn.Pass(scope, S.BuildPackageDeployRequest, {
    parameters: jsonPaths<DeployRequest>(request),
    resultPath: '$.deployRequest',
  });
  // Every path the request reads must be there: a missing one would stop the execution with States.Runtime.
  const readable = [
    '$.package.ModelPackageGroupName',
    '$.package.ModelApprovalStatus',
    '$.package.ModelPackageArn',
    '$.package.ModelPackageVersion',
    MODEL_DATA,
    ...(
      [
        PackageMetadata.runId,
        PackageMetadata.trainingJobName,
        PackageMetadata.batchInputUri,
        PackageMetadata.catalogUri,
        PackageMetadata.metricName,
        PackageMetadata.value,
        PackageMetadata.baselineValue,
      ] as const
    ).map(metadata),
  ].map((path) => sfn.Condition.isPresent(path));
  const check = new sfn.Choice(scope, S.CheckModelPackage)
    .when(
      sfn.Condition.and(
        ...readable,
        sfn.Condition.stringEquals('$.package.ModelPackageGroupName', group),
        sfn.Condition.stringEquals('$.package.ModelApprovalStatus', ApprovalStatus.Approved),
      ),
      build.next(props.deploy),
    )
    .otherwise(notDeployable);
  return name.next(describe).next(check);
}
