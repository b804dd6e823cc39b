/**
 * A tuned run's training: a SageMaker hyperparameter tuning job (`.sync`) of the in-repo image over
 * the same channels, metric definitions, instance, network isolation and spot settings as the single
 * training job, the static hyperparameters merged as for it, and as objective the kept model's
 * metric on the validation slice cut from the training pairs (`validation_p@k(K)`, maximized): the
 * testing channel takes no part in the choice, so the best trial's test metrics stay an honest
 * estimate. Then DescribeTrainingJob of the best trial (BestTrainingJob.TrainingJobName) gives
 * `$.training` the same shape a single training job's `.sync` result has (ModelArtifacts,
 * FinalMetricDataList), so the report, gate, registry and deployment run unchanged; the trials are
 * listed and summarized into `$.tuning` for the output, the notification, the report and the registry.
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateHyperParameterTuningJob.html
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeHyperParameterTuningJob.html
 */
import { Aws, Stack } from 'aws-cdk-lib';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { metricDefinitions, tuningObjectiveMetric } from '../container/src/metrics/definitions';
import { PipelineConfig } from './config';
import type { Fields, TuningSummary } from './contracts';
import { DataPaths, resourceNames, TaskResources, TrainingStates as S } from './pipeline-names';
import { guard, passRoleStatement, sagemakerArn, syncRuleStatement } from './task-helpers';

const { jobInput } = DataPaths;

/** What the tuning steps need. */
export interface TuningStepsProps {
  /** Validated configuration (instance, volume, runtime, spot, evalK). */
  readonly config: PipelineConfig;
  /** The training image (its pull is granted to the SageMaker role by the training job task). */
  readonly image: ecrAssets.DockerImageAsset;
  /** Role SageMaker assumes for the trials. */
  readonly sagemakerRole: iam.IRole;
  /** Where a failed tuning job goes. */
  readonly failure: sfn.IChainable;
  /** What follows (PublishReport), with `$.training` and `$.tuning` set. */
  readonly next: sfn.IChainable;
}

/** A Task state of the createHyperParameterTuningJob.sync integration (the CDK has no construct for it). */
class TuningJobTask extends sfn.TaskStateBase {
  protected readonly taskMetrics = undefined;

  constructor(
    scope: Construct,
    id: string,
    props: sfn.TaskStateBaseProps,
    private readonly tuningParameters: Record<string, unknown>,
    protected readonly taskPolicies: iam.PolicyStatement[],
  ) {
    super(scope, id, props);
  }

  protected _renderTask(): Record<string, unknown> {
    return {
      Resource: TaskResources.createHyperParameterTuningJobSync.replace('arn:aws:', `arn:${Aws.PARTITION}:`),
      Parameters: sfn.FieldUtils.renderObject(this.tuningParameters),
    };
  }
}

/** The tuning job's TrainingJobDefinition: the single training job's settings (training-job-step.ts). */
function trainingJobDefinition(props: TuningStepsProps): Record<string, unknown> {
  const { config } = props;
  const spot = config.useSpotTraining;
  return {
    AlgorithmSpecification: {
      TrainingImage: props.image.imageUri,
      TrainingInputMode: 'File',
      MetricDefinitions: metricDefinitions(config.evalK),
    },
    RoleArn: props.sagemakerRole.roleArn,
    'InputDataConfig.$': jobInput('channels'),
    OutputDataConfig: { 'S3OutputPath.$': '$.run.modelOutputUri' },
    ResourceConfig: {
      InstanceCount: 1,
      InstanceType: config.trainingInstanceType,
      VolumeSizeInGB: config.trainingVolumeSizeGb,
    },
    StoppingCondition: {
      MaxRuntimeInSeconds: config.maxTrainingRuntimeSeconds,
      ...(spot ? { MaxWaitTimeInSeconds: config.maxSpotWaitSeconds } : {}),
    },
    EnableNetworkIsolation: true,
    ...(spot ? { EnableManagedSpotTraining: true } : {}),
    // The static hyperparameters: the searched ones were left out by the input check.
    'StaticHyperParameters.$': 'States.JsonMerge($.hyperparameters, $.run.hyperparameters, false)',
  };
}

/** TuneModel -> DescribeBestTrainingJob -> ListTuningTrials -> SummarizeTuning -> next; returns the first state. */
export function buildTuningSteps(scope: Construct, props: TuningStepsProps): sfn.IChainable {
  const { config, failure } = props;
  const stack = Stack.of(scope);
  const names = resourceNames(config.projectName);
  const tuningJobs = sagemakerArn(stack, 'hyper-parameter-tuning-job', `${names.tuningJobPrefix}*`);
  // Trials are named after their tuning job (<tuning job>-<n>-<id>).
  const trials = sagemakerArn(stack, 'training-job', `${names.tuningJobPrefix}*`);

  const tune = guard(
    new TuningJobTask(
      scope,
      S.TuneModel,
      {
        resultSelector: {
          'HyperParameterTuningJobName.$': '$.HyperParameterTuningJobName',
          'HyperParameterTuningJobStatus.$': '$.HyperParameterTuningJobStatus',
          'BestTrainingJob.$': '$.BestTrainingJob',
          'TrainingJobStatusCounters.$': '$.TrainingJobStatusCounters',
          'ObjectiveStatusCounters.$': '$.ObjectiveStatusCounters',
        },
        resultPath: '$.tuningJob',
      },
      {
        'HyperParameterTuningJobName.$': '$.run.tuningJobName',
        HyperParameterTuningJobConfig: {
          'Strategy.$': '$.args.tuning.strategy',
          HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: tuningObjectiveMetric(config.evalK) },
          ResourceLimits: {
            'MaxNumberOfTrainingJobs.$': '$.args.tuning.maxJobs',
            'MaxParallelTrainingJobs.$': '$.args.tuning.maxParallelJobs',
          },
          'ParameterRanges.$': '$.args.tuning.parameterRanges',
          'RandomSeed.$': '$.args.tuning.seed',
          // Each trial stops early on its own validation checks (`patience`); SageMaker's early
          // stopping would judge trials by intermediate values the container does not report.
          TrainingJobEarlyStoppingType: 'Off',
        },
        TrainingJobDefinition: trainingJobDefinition(props),
      },
      [
        // As the Step Functions documentation lists them for the .sync integration, scoped to the prefix.
        new iam.PolicyStatement({
          actions: [
            'sagemaker:CreateHyperParameterTuningJob',
            'sagemaker:DescribeHyperParameterTuningJob',
            'sagemaker:StopHyperParameterTuningJob',
            'sagemaker:AddTags',
            'sagemaker:ListTags',
          ],
          resources: [tuningJobs],
        }),
        passRoleStatement(props.sagemakerRole),
        syncRuleStatement(stack, 'StepFunctionsGetEventsForSageMakerTuningJobsRule'),
      ],
    ),
    failure,
  );

  const describeBest = guard(
    new tasks.CallAwsService(scope, S.DescribeBestTrainingJob, {
      service: 'sagemaker',
      action: 'describeTrainingJob',
      parameters: { 'TrainingJobName.$': '$.tuningJob.BestTrainingJob.TrainingJobName' },
      iamResources: [trials],
      resultPath: '$.training',
    }),
    failure,
  );

  // One page: a tuning job of this pipeline has at most MAX_TUNING_JOBS (50) trials, a page 100.
  const listTrials = guard(
    new tasks.CallAwsService(scope, S.ListTuningTrials, {
      service: 'sagemaker',
      action: 'listTrainingJobsForHyperParameterTuningJob',
      parameters: {
        'HyperParameterTuningJobName.$': '$.tuningJob.HyperParameterTuningJobName',
        MaxResults: 100,
        SortBy: 'CreationTime',
        SortOrder: 'Ascending',
      },
      iamResources: [tuningJobs],
      resultSelector: { 'trials.$': '$.TrainingJobSummaries' },
      resultPath: '$.tuningTrials',
    }),
    failure,
  );

  const best = '$.tuningJob.BestTrainingJob';
  const summary: Fields<TuningSummary, unknown> = {
    tuningJobName: '$.tuningJob.HyperParameterTuningJobName',
    status: '$.tuningJob.HyperParameterTuningJobStatus',
    strategy: '$.args.tuning.strategy',
    objectiveMetricName: tuningObjectiveMetric(config.evalK),
    trialCount: 'States.ArrayLength($.tuningTrials.trials)',
    trainingJobStatusCounters: '$.tuningJob.TrainingJobStatusCounters',
    objectiveStatusCounters: '$.tuningJob.ObjectiveStatusCounters',
    best: {
      'trainingJobName.$': `${best}.TrainingJobName`,
      'hyperparameters.$': `${best}.TunedHyperParameters`,
      'objective.$': `${best}.FinalHyperParameterTuningJobObjectiveMetric.Value`,
    },
    trials: '$.tuningTrials.trials',
  };
  const summarize = new sfn.Pass(scope, S.SummarizeTuning, {
    parameters: Object.fromEntries(
      Object.entries(summary).map(([k, v]) =>
        typeof v === 'string' && (v.startsWith('$') || v.startsWith('States.')) ? [`${k}.$`, v] : [k, v],
      ),
    ),
    resultPath: '$.tuning',
  });
  tune.next(describeBest).next(listTrials).next(summarize).next(props.next);
  return tune;
}
