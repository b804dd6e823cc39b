/**
 * The deployment steps, one reusable part: they deploy whatever `$.deployRequest` (a DeployRequest)
 * names, so the training pipeline and any other entry (a rollback) go through the same states.
 *
 *   deployment lock (deploy-lock.ts) -> copy the artifacts to deployed/ (they never expire) ->
 *   model -> endpoint configuration -> rollout (endpoint-rollout.ts) -> SSM record -> prune old
 *   models -> release the lock -> next
 *
 * Every failure after the lock is taken releases it before the execution's failure path.
 */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { PipelineConfig } from './config';
import type { DeployedArtifacts, DeploymentRecord, Fields, PromoteRequest, PruneRequest, PruneResult } from './contracts';
import { DeployLock, releaseDeployLock } from './deploy-lock';
import { buildEndpointRollout } from './endpoint-rollout';
import { ArtifactPrefixes, DataPaths, resourceNames, TrainingStates as S, VARIANT_NAME } from './pipeline-names';
import {
  guard,
  instanceType,
  jsonPaths,
  passRoleStatement,
  payloadFields,
  RuntimeS3Location,
  sagemakerArn,
  scopeTaskPolicies,
} from './task-helpers';

const { request, deployed } = DataPaths;

/** What the deployment steps need. */
export interface EndpointDeploymentProps {
  /** Validated configuration. */
  readonly config: PipelineConfig;
  /** The serving image (same as the training image). */
  readonly image: tasks.DockerImage;
  /** Role the model runs with. */
  readonly sagemakerRole: iam.IRole;
  /** SSM parameter recording the deployed model (written here; no stack owns its value). */
  readonly deploymentParameter: ssm.IStringParameter;
  /** Table holding the deployment lock. */
  readonly lockTable: dynamodb.ITable;
  /** Name of the state machine whose executions take the lock. */
  readonly lockHolderStateMachineName: string;
  /** Alarms that roll an update back. */
  readonly rollbackAlarms: cloudwatch.IAlarm[];
  /** Bucket whose deployed/ prefix receives the copies. */
  readonly artifactsBucket: s3.IBucket;
  /** Copies the artifacts to deployed/ (lambda/promote-artifacts). */
  readonly promoteFunction: lambda.IFunction;
  /** Deletes models, configurations and copies beyond keepModels (lambda/prune-deployments). */
  readonly pruneFunction: lambda.IFunction;
  /** Where errors go (sets `$.error` first). */
  readonly failure: sfn.IChainable;
  /** The state after a successful deployment is recorded and the lock released. */
  readonly next: sfn.IChainable;
  /** The state when another execution kept the lock for the whole wait (`$.lock.Item.holder.S` names it). */
  readonly busy: sfn.IChainable;
}

/** Builds the deployment steps; `start` is their first state. */
export class EndpointDeployment {
  /** The first state (InitDeployLock). */
  readonly start: sfn.IChainable;

  constructor(scope: Construct, props: EndpointDeploymentProps) {
    const { config } = props;
    const stack = Stack.of(scope);
    const names = resourceNames(config.projectName);
    const failure = releaseDeployLock(scope, S.ReleaseDeployLockOnFailure, props.lockTable, config.projectName, props.failure);

    const promote = guard(
      new tasks.LambdaInvoke(scope, S.PromoteArtifacts, {
        lambdaFunction: props.promoteFunction,
        payload: sfn.TaskInput.fromObject({
          modelDataUrl: sfn.JsonPath.stringAt(request('modelDataUrl')),
          batchInputUri: sfn.JsonPath.stringAt(request('batchInputUri')),
          catalogUri: sfn.JsonPath.stringAt(request('catalogUri')),
          destinationUri: sfn.JsonPath.format(
            `s3://${props.artifactsBucket.bucketName}/${ArtifactPrefixes.deployed}{}/`,
            sfn.JsonPath.stringAt(request('runId')),
          ),
        } satisfies Fields<PromoteRequest, unknown>),
        retryOnServiceExceptions: false,
        resultSelector: payloadFields<DeployedArtifacts>({
          prefix: true,
          modelDataUrl: true,
          batchInputUri: true,
          catalogUri: true,
        }),
        resultPath: '$.deployed',
      }),
      failure,
    );

    const createModel = new tasks.SageMakerCreateModel(scope, S.CreateModel, {
      modelName: sfn.JsonPath.stringAt(request('modelName')),
      primaryContainer: new tasks.ContainerDefinition({
        image: props.image,
        mode: tasks.Mode.SINGLE_MODEL,
        modelS3Location: new RuntimeS3Location(deployed('modelDataUrl')),
      }),
      role: props.sagemakerRole,
      enableNetworkIsolation: true,
      resultPath: sfn.JsonPath.DISCARD,
    });
    scopeTaskPolicies(createModel, [
      new iam.PolicyStatement({
        actions: ['sagemaker:CreateModel', 'sagemaker:AddTags'],
        resources: [sagemakerArn(stack, 'model', `${names.modelPrefix}*`)],
      }),
      passRoleStatement(props.sagemakerRole),
    ]);
    // Only throttling is retried: a second CreateModel of the same name fails, a bad request stays bad.
    guard(createModel, failure);

    const createEndpointConfig = new tasks.SageMakerCreateEndpointConfig(scope, S.CreateEndpointConfig, {
      endpointConfigName: sfn.JsonPath.stringAt(request('endpointConfigName')),
      productionVariants: [
        {
          variantName: VARIANT_NAME,
          modelName: sfn.JsonPath.stringAt(request('modelName')),
          initialInstanceCount: config.endpointInstanceCount,
          instanceType: instanceType(config.endpointInstanceType),
        },
      ],
      resultPath: sfn.JsonPath.DISCARD,
    });
    scopeTaskPolicies(createEndpointConfig, [
      new iam.PolicyStatement({
        actions: ['sagemaker:CreateEndpointConfig', 'sagemaker:AddTags'],
        resources: [sagemakerArn(stack, 'endpoint-config', `${names.endpointConfigPrefix}*`)],
      }),
    ]);
    guard(createEndpointConfig, failure);

    const release = releaseDeployLock(scope, S.ReleaseDeployLock, props.lockTable, config.projectName, props.next);
    const prune = new tasks.LambdaInvoke(scope, S.PruneDeployments, {
      lambdaFunction: props.pruneFunction,
      payload: sfn.TaskInput.fromObject({
        endpointName: config.endpointName,
        keep: config.keepModels,
        modelPrefix: names.modelPrefix,
        endpointConfigPrefix: names.endpointConfigPrefix,
        deployedUri: `s3://${props.artifactsBucket.bucketName}/${ArtifactPrefixes.deployed}`,
      } satisfies Fields<PruneRequest, unknown>),
      retryOnServiceExceptions: false,
      resultSelector: payloadFields<PruneResult>({
        kept: true,
        deletedModels: true,
        deletedEndpointConfigs: true,
        deletedObjects: true,
      }),
      resultPath: '$.pruned',
    });
    // Housekeeping: a failure is kept in the execution's data and does not undo the deployment.
    guard(prune, release, { catchResultPath: '$.pruneError' });

    const record = new sfn.Pass(scope, S.BuildRecord, {
      parameters: {
        ...jsonPaths<Omit<DeploymentRecord, 'endpointName'>>({
          modelName: request('modelName'),
          endpointConfigName: request('endpointConfigName'),
          trainingJobName: request('trainingJobName'),
          modelDataUrl: deployed('modelDataUrl'),
          batchInputUri: deployed('batchInputUri'),
          catalogUri: deployed('catalogUri'),
          metricName: request('metricName'),
          value: request('value'),
          baselineValue: request('baselineValue'),
          executionArn: '$$.Execution.Id',
          deployedAt: '$$.State.EnteredTime',
        }),
        endpointName: config.endpointName,
      },
      resultPath: '$.record',
    }).next(
      guard(
        new tasks.CallAwsService(scope, S.RecordDeployment, {
          service: 'ssm',
          action: 'putParameter',
          parameters: {
            Name: props.deploymentParameter.parameterName,
            Value: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.record')),
            Type: 'String',
            Overwrite: true,
          },
          iamAction: 'ssm:PutParameter',
          iamResources: [props.deploymentParameter.parameterArn],
          resultPath: sfn.JsonPath.DISCARD,
        }),
        failure,
      ).next(prune),
    );
    prune.next(release);

    const rollout = buildEndpointRollout(scope, { config, rollbackAlarms: props.rollbackAlarms, failure, done: record });
    const lock = new DeployLock(scope, {
      config,
      table: props.lockTable,
      holderStateMachineName: props.lockHolderStateMachineName,
      failure: props.failure,
      acquired: promote,
      busy: props.busy,
    });
    promote.next(createModel).next(createEndpointConfig).next(rollout);
    this.start = lock.start;
  }
}
