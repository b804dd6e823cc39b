/**
 * The deployment steps, one reusable part: they deploy whatever approved model package version
 * `$.deployRequest` (a DeployRequest) names, so the training pipeline and the deploy-only entry (a
 * rollback, an approval) go through the same states.
 *
 *   deployment lock (deploy-lock.ts) -> already live? -> model from the package -> endpoint
 *   configuration -> rollout (endpoint-rollout.ts) -> SSM record -> prune old models -> release
 *   the lock -> next
 *
 * Every failure after the lock is taken releases it before the execution's failure path. A
 * version the record already names as live is not deployed again (SageMaker may send an approval's
 * event twice): the lock is released and the execution ends UNCHANGED.
 */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { PipelineConfig } from './config';
import type { DeploymentRecord, Fields, PruneRequest, PruneResult } from './contracts';
import { DeployLock, releaseDeployLock } from './deploy-lock';
import { buildEndpointRollout } from './endpoint-rollout';
import { DataPaths, resourceNames, TrainingStates as S, VARIANT_NAME } from './pipeline-names';
import {
  guard,
  instanceType,
  jsonPaths,
  passRoleStatement,
  payloadFields,
  readDeploymentRecord,
  sagemakerArn,
  scopeTaskPolicies,
} from './task-helpers';

const { request } = DataPaths;

/**
 * CreateModel with `Containers: [{ ModelPackageName }]`: the model is the registered version (its
 * image and artifact), as the Model Registry documents it
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints-create-model.html). The
 * CDK task renders a PrimaryContainer only (its `containers` renders a wrong shape), so the one
 * container is moved to Containers.
 */
class PackageModelTask extends tasks.SageMakerCreateModel {
  protected _renderTask(topLevelQueryLanguage?: sfn.QueryLanguage): Record<string, unknown> {
    const rendered: { Parameters: Record<string, unknown> } = super._renderTask(topLevelQueryLanguage);
    const { PrimaryContainer, ...params } = rendered.Parameters;
    rendered.Parameters = { ...params, Containers: [PrimaryContainer] };
    return rendered;
  }
}

/** What the deployment steps need. */
export interface EndpointDeploymentProps {
  /** Validated configuration. */
  readonly config: PipelineConfig;
  /** Role the model runs with (it pulls the version's image and reads its artifact). */
  readonly sagemakerRole: iam.IRole;
  /** SSM parameter recording the deployed model (written here; no stack owns its value). */
  readonly deploymentParameter: ssm.IStringParameter;
  /** Table holding the deployment lock. */
  readonly lockTable: dynamodb.ITable;
  /** Name of the state machine whose executions take the lock. */
  readonly lockHolderStateMachineName: string;
  /** Alarms that roll an update back. */
  readonly rollbackAlarms: cloudwatch.IAlarm[];
  /** Deletes models and configurations beyond keepModels (lambda/prune-deployments). */
  readonly pruneFunction: lambda.IFunction;
  /** Where errors go (sets `$.error` first). */
  readonly failure: sfn.IChainable;
  /** The state after a successful deployment is recorded and the lock released. */
  readonly next: sfn.IChainable;
  /** The state when another execution kept the lock for the whole wait (`$.lock.Item.holder.S` names it). */
  readonly busy: sfn.IChainable;
  /** The state when the version is already live (the lock released, nothing changed). */
  readonly unchanged: sfn.IChainable;
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

    const createModel = new PackageModelTask(scope, S.CreateModel, {
      modelName: sfn.JsonPath.stringAt(request('modelName')),
      primaryContainer: new tasks.ContainerDefinition({ modelPackageName: sfn.JsonPath.stringAt(request('modelPackageArn')) }),
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
      } satisfies Fields<PruneRequest, unknown>),
      retryOnServiceExceptions: false,
      resultSelector: payloadFields<PruneResult>({ kept: true, deletedModels: true, deletedEndpointConfigs: true }),
      resultPath: '$.pruned',
    });
    // Housekeeping: a failure is kept in the execution's data and does not undo the deployment.
    guard(prune, release, { catchResultPath: '$.pruneError' });

    const record = new sfn.Pass(scope, S.BuildRecord, {
      parameters: {
        ...jsonPaths<Omit<DeploymentRecord, 'endpointName'>>({
          modelName: request('modelName'),
          endpointConfigName: request('endpointConfigName'),
          modelPackageArn: request('modelPackageArn'),
          modelPackageVersion: request('modelPackageVersion'),
          trainingJobName: request('trainingJobName'),
          modelDataUrl: request('modelDataUrl'),
          batchInputUri: request('batchInputUri'),
          catalogUri: request('catalogUri'),
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
    // Read under the lock: what is live cannot change until it is released.
    const current = '$.current.record.modelPackageArn';
    const alreadyLive = new sfn.Choice(scope, S.AlreadyLive)
      .when(
        sfn.Condition.and(
          sfn.Condition.isPresent(current),
          sfn.Condition.stringEqualsJsonPath(current, request('modelPackageArn')),
        ),
        releaseDeployLock(scope, S.ReleaseDeployLockUnchanged, props.lockTable, config.projectName, props.unchanged),
      )
      .otherwise(createModel);
    const readLive = readDeploymentRecord(scope, S.ReadLiveRecord, {
      parameter: props.deploymentParameter,
      resultPath: '$.current',
      missing: createModel,
      failure,
    });
    readLive.next(alreadyLive);
    const lock = new DeployLock(scope, {
      config,
      table: props.lockTable,
      holderStateMachineName: props.lockHolderStateMachineName,
      failure: props.failure,
      acquired: readLive,
      busy: props.busy,
    });
    createModel.next(createEndpointConfig).next(rollout);
    this.start = lock.start;
  }
}
