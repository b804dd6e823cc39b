/**
 * The training pipeline's TrainModel task: a SageMaker training job (`.sync`) of the in-repo image
 * over the prepared channels, network-isolated, with the container's metric definitions, optional
 * managed spot capacity, and a role scoped to the pipeline's training jobs.
 */
import { Duration, Size, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { metricDefinitions } from '../container/src/metrics/definitions';
import { CHANNELS } from '../container/src/train/input';
import { PipelineConfig } from './config';
import { DataPaths, resourceNames, TrainingStates as S } from './pipeline-names';
import {
  guard,
  instanceType,
  passRoleStatement,
  RuntimeS3Location,
  sagemakerArn,
  scopeTaskPolicies,
  syncRuleStatement,
} from './task-helpers';

const { prepared } = DataPaths;

/** What the training job task needs. */
export interface TrainingJobStepProps {
  /** Validated configuration (instance, volume, runtime, spot, evalK). */
  readonly config: PipelineConfig;
  /** The training image. */
  readonly image: tasks.DockerImage;
  /** Role SageMaker assumes for the job. */
  readonly sagemakerRole: iam.IRole;
  /** Where a failed job goes. */
  readonly failure: sfn.IChainable;
}

/** A training job task that can ask for managed spot capacity (the CDK task has no such prop). */
class TrainingJobTask extends tasks.SageMakerCreateTrainingJob {
  constructor(
    scope: Construct,
    id: string,
    props: tasks.SageMakerCreateTrainingJobProps,
    private readonly spotMaxWait?: number,
  ) {
    super(scope, id, props);
  }

  protected _renderTask(topLevelQueryLanguage?: sfn.QueryLanguage): Record<string, unknown> {
    const rendered: { Parameters: Record<string, unknown> } = super._renderTask(topLevelQueryLanguage);
    if (this.spotMaxWait === undefined) return rendered;
    const params = rendered.Parameters;
    params.EnableManagedSpotTraining = true;
    params.StoppingCondition = { ...(params.StoppingCondition as object), MaxWaitTimeInSeconds: this.spotMaxWait };
    return rendered;
  }
}

/** The TrainModel task (reads `$.run`, `$.prepared` and `$.hyperparameters`, writes `$.training`). */
export function buildTrainingJob(scope: Construct, props: TrainingJobStepProps): tasks.SageMakerCreateTrainingJob {
  const { config } = props;
  const stack = Stack.of(scope);
  const channel = (name: string, path: string, contentType = 'text/csv'): tasks.Channel => ({
    channelName: name,
    contentType,
    inputMode: tasks.InputMode.FILE,
    dataSource: { s3DataSource: { s3DataType: tasks.S3DataType.S3_PREFIX, s3Location: new RuntimeS3Location(path) } },
  });
  const train = new TrainingJobTask(
    scope,
    S.TrainModel,
    {
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      trainingJobName: sfn.JsonPath.stringAt('$.run.trainingJobName'),
      role: props.sagemakerRole,
      enableNetworkIsolation: true,
      algorithmSpecification: {
        trainingImage: props.image,
        trainingInputMode: tasks.InputMode.FILE,
        metricDefinitions: metricDefinitions(config.evalK).map((d) => ({ name: d.Name, regex: d.Regex })),
      },
      hyperparameters: sfn.JsonPath.jsonMerge(
        sfn.JsonPath.objectAt('$.hyperparameters'),
        sfn.JsonPath.objectAt('$.run.hyperparameters'),
      ) as unknown as Record<string, string>,
      inputDataConfig: [
        channel(CHANNELS.training, prepared('trainingUri')),
        channel(CHANNELS.testing, prepared('testingUri')),
        channel(CHANNELS.catalog, prepared('catalogUri')),
        // One object as the channel's prefix: SageMaker and the local stand-in put it in the folder by its name.
        channel(CHANNELS.stats, prepared('statsUri'), 'application/json'),
      ],
      outputDataConfig: { s3OutputLocation: new RuntimeS3Location('$.run.modelOutputUri') },
      resourceConfig: {
        instanceCount: 1,
        instanceType: instanceType(config.trainingInstanceType),
        volumeSize: Size.gibibytes(config.trainingVolumeSizeGb),
      },
      stoppingCondition: { maxRuntime: Duration.seconds(config.maxTrainingRuntimeSeconds) },
      resultPath: '$.training',
    },
    config.useSpotTraining ? config.maxSpotWaitSeconds : undefined,
  );
  scopeTaskPolicies(train, [
    new iam.PolicyStatement({
      actions: [
        'sagemaker:CreateTrainingJob',
        'sagemaker:DescribeTrainingJob',
        'sagemaker:StopTrainingJob',
        'sagemaker:AddTags',
        'sagemaker:ListTags',
      ],
      resources: [sagemakerArn(stack, 'training-job', `${resourceNames(config.projectName).trainingJobPrefix}*`)],
    }),
    passRoleStatement(props.sagemakerRole),
    syncRuleStatement(stack, 'StepFunctionsGetEventsForSageMakerTrainingJobsRule'),
  ]);
  return guard(train, props.failure);
}
