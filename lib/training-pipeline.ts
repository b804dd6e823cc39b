/**
 * The training pipeline state machine: input check and defaults (input-steps.ts) -> prepare
 * (prepare-steps.ts: DuckDB in the Lambda, or Athena) -> the live model as champion
 * (champion-steps.ts) -> train (training-job-step.ts), or tune (tuning-job-step.ts: a tuning job,
 * its best trial as the run's training job) when the input's `tuning` is set -> report (report-step.ts) -> gate (threshold,
 * baseline, champion) -> Model Registry (registry-steps.ts: copies, version, approval status) ->
 * deploy an approved version (deploy-steps.ts: lock, model from the package, rollout, record) ->
 * notify (training-outcomes.ts). A deploy-only input skips to the deployment (deploy-only-steps.ts).
 * Names of states, errors and outputs come from pipeline-names/, the shapes of stage results from
 * contracts/.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { PipelineConfig } from './config';
import { buildChampionSteps } from './champion-steps';
import type { DeployRequest, Fields, GateDecision, GateEvent } from './contracts';
import { buildDeployOnlySteps } from './deploy-only-steps';
import { EndpointDeployment } from './deploy-steps';
import { buildInputSteps } from './input-steps';
import { buildPrepareSteps } from './prepare-steps';
import { buildRegistrySteps } from './registry-steps';
import { buildReportStep } from './report-step';
import { DataPaths, gateMetricNames, resourceNames, StateMachineIds, TrainingStates as S } from './pipeline-names';
import { failurePath, guard, jsonPaths, payloadFields, pipelineStateMachine } from './task-helpers';
import { buildTrainingJob } from './training-job-step';
import { buildTrainingOutcomes } from './training-outcomes';
import { buildTuningSteps } from './tuning-job-step';

const { gate: gateResult, artifacts, registered, jobInput } = DataPaths;

/** Properties of the training pipeline. */
export interface TrainingPipelineProps {
  /** Validated configuration. */
  readonly config: PipelineConfig;
  /** Bucket holding the raw exports (the default input is `rawDataKey` in it). */
  readonly rawBucket: s3.IBucket;
  /** Bucket for run artifacts: `runs/<execution name>/{data,model}/`. */
  readonly artifactsBucket: s3.IBucket;
  /** The training and serving image built from container/. */
  readonly image: ecrAssets.DockerImageAsset;
  /** Role SageMaker assumes for training jobs and models. */
  readonly sagemakerRole: iam.IRole;
  /** The validate-input Lambda (the first task: checks the execution input). */
  readonly validateFunction: lambda.IFunction;
  /** The prepare-data Lambda. */
  readonly prepareFunction: lambda.IFunction;
  /** The evaluate-gate Lambda. */
  readonly gateFunction: lambda.IFunction;
  /** The publish-report Lambda (copies the run's report out of the training output). */
  readonly reportFunction: lambda.IFunction;
  /** Copies a run's artifacts to registry/ (lambda/promote-artifacts). */
  readonly promoteFunction: lambda.IFunction;
  /** Registers each trained model in the model package group (lambda/register-model). */
  readonly registerFunction: lambda.IFunction;
  /** The project's model package group (the Model Registry). */
  readonly modelPackageGroupName: string;
  /** Deletes models beyond keepModels (lambda/prune-deployments). */
  readonly pruneFunction: lambda.IFunction;
  /** Table holding the deployment lock. */
  readonly lockTable: dynamodb.ITable;
  /** Topic that receives success, rejection and failure notifications. */
  readonly topic: sns.ITopic;
  /** SSM parameter that records the deployed model (written by the deployment steps, read by the batch pipeline). */
  readonly deploymentParameter: ssm.IStringParameter;
  /** Alarms that roll a blue/green endpoint update back. */
  readonly rollbackAlarms: cloudwatch.IAlarm[];
  /** Log group receiving every execution event. */
  readonly logGroup: logs.ILogGroup;
}

/** Builds the training pipeline state machine. */
export class TrainingPipeline extends Construct {
  /** The state machine (logical id `TrainingStateMachine`). */
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: TrainingPipelineProps) {
    super(scope, id);
    const { config } = props;
    const names = resourceNames(config.projectName);
    const gateNames = gateMetricNames(config.evalK);
    const image = tasks.DockerImage.fromEcrRepository(props.image.repository, props.image.imageTag);

    const failure = failurePath(
      this,
      { notify: S.NotifyFailure, fail: S.PipelineFailed },
      props.topic,
      `${config.projectName} training pipeline failed`,
      'Training pipeline',
    );

    const outcomes = buildTrainingOutcomes(this, { config, topic: props.topic, failure });
    const deployment = new EndpointDeployment(this, {
      config,
      sagemakerRole: props.sagemakerRole,
      deploymentParameter: props.deploymentParameter,
      lockTable: props.lockTable,
      lockHolderStateMachineName: names.trainingStateMachine,
      rollbackAlarms: props.rollbackAlarms,
      pruneFunction: props.pruneFunction,
      failure,
      next: outcomes.deployed,
      busy: outcomes.busy,
      unchanged: outcomes.unchanged,
    });

    const input = buildInputSteps(this, {
      config,
      rawBucket: props.rawBucket,
      artifactsBucket: props.artifactsBucket,
      validateFunction: props.validateFunction,
      failure,
      deployOnly: buildDeployOnlySteps(this, {
        config,
        modelPackageGroupName: props.modelPackageGroupName,
        failure,
        deploy: deployment.start,
      }),
    });

    const publishReport = buildReportStep(this, {
      reportFunction: props.reportFunction,
      artifactsBucket: props.artifactsBucket,
      failure,
    });

    const train = buildTrainingJob(this, { config, image, sagemakerRole: props.sagemakerRole, failure });
    const tune = buildTuningSteps(this, {
      config,
      image: props.image,
      sagemakerRole: props.sagemakerRole,
      failure,
      next: publishReport,
    });
    // Not(IsNull), which the local interpreter reads as AWS does (it mistakes IsNull: false).
    const tuned = sfn.Condition.and(
      sfn.Condition.isPresent('$.args.tuning'),
      sfn.Condition.not(sfn.Condition.isNull('$.args.tuning')),
    );
    const champion = buildChampionSteps(this, {
      deploymentParameter: props.deploymentParameter,
      failure,
      next: new sfn.Choice(this, S.TuneOrTrain).when(tuned, tune).otherwise(train),
    });

    const gate = guard(
      new tasks.LambdaInvoke(this, S.EvaluateGate, {
        lambdaFunction: props.gateFunction,
        payload: sfn.TaskInput.fromObject({
          training: sfn.JsonPath.objectAt('$.training'),
          threshold: sfn.JsonPath.objectAt('$.args.threshold'),
          metricName: gateNames.metric,
          baselineMetricName: gateNames.baseline,
          championMetricName: gateNames.champion,
          champion: sfn.JsonPath.objectAt(jobInput('champion')),
          championTolerance: config.championTolerance,
        } satisfies Fields<GateEvent, unknown>),
        retryOnServiceExceptions: false,
        resultSelector: payloadFields<GateDecision>({
          passed: true,
          reason: true,
          metricName: true,
          value: true,
          baselineMetricName: true,
          baselineValue: true,
          threshold: true,
          championMetricName: true,
          championValue: true,
          championVersion: true,
          championTolerance: true,
          metrics: true,
        }),
        resultPath: '$.gate',
      }),
      failure,
    );

    const deployRequest = new sfn.Pass(this, S.BuildDeployRequest, {
      parameters: jsonPaths<DeployRequest>({
        runId: '$.run.id',
        modelName: '$.run.modelName',
        endpointConfigName: '$.run.endpointConfigName',
        modelPackageArn: registered('modelPackageArn'),
        modelPackageVersion: registered('modelPackageVersion'),
        trainingJobName: '$.training.TrainingJobName',
        modelDataUrl: artifacts('modelDataUrl'),
        batchInputUri: artifacts('batchInputUri'),
        catalogUri: artifacts('catalogUri'),
        metricName: gateResult('metricName'),
        value: gateResult('value'),
        baselineValue: gateResult('baselineValue'),
      }),
      resultPath: '$.deployRequest',
    });
    deployRequest.next(deployment.start);

    const registry = buildRegistrySteps(this, {
      config,
      artifactsBucket: props.artifactsBucket,
      promoteFunction: props.promoteFunction,
      registerFunction: props.registerFunction,
      modelPackageGroupName: props.modelPackageGroupName,
      imageUri: props.image.imageUri,
      failure,
      approved: deployRequest,
      pending: outcomes.pending,
      rejected: outcomes.rejected,
    });

    // Data preparation (prepare-steps.ts): the Lambda on DuckDB, or Athena for large inputs; then
    // the live model as champion and training.
    input.end.next(
      buildPrepareSteps(this, {
        config,
        prepareFunction: props.prepareFunction,
        rawBucket: props.rawBucket,
        artifactsBucket: props.artifactsBucket,
        failure,
        next: champion,
      }),
    );
    train.next(publishReport).next(gate).next(registry);

    this.stateMachine = pipelineStateMachine(this, {
      name: names.trainingStateMachine,
      definition: input.start,
      logGroup: props.logGroup,
      timeout: Duration.minutes(config.stateMachineTimeoutMinutes),
      logicalIdPrefix: StateMachineIds.Training,
      role: 'training',
    });
  }
}
