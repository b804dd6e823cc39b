/**
 * The first states of both state machines: the ValidateInput task (lambda/validate-input) checks
 * the execution input before anything else. Then, in the training pipeline, a deploy-only input
 * (`deployModelPackage`) goes to the deploy-only entry; any other is merged over the configured
 * defaults and the run's names (job, model, endpoint configuration, S3 prefixes) are derived from
 * one UUID and the execution name.
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { PipelineConfig } from './config';
import type { HyperparameterName } from '../container/src/train/hyperparameters';
import type {
  ConfiguredTraining,
  Fields,
  PipelineKind,
  TrainingInput,
  ValidateInputEvent,
  ValidateInputResult,
} from './contracts';
import { InputStates, ReportKeys, resourceNames, TrainingStates as S } from './pipeline-names';
import { guard, payloadFields } from './task-helpers';

/** What the input check needs. */
export interface InputCheckProps {
  /** The validate-input Lambda. */
  readonly validateFunction: lambda.IFunction;
  /** Whose input it is (the Lambda checks it against that pipeline's keys). */
  readonly pipeline: PipelineKind;
  /** Where a refused input goes (with `$.error` set). */
  readonly failure: sfn.IChainable;
  /** What the configuration fixes for training runs (the training pipeline's check resolves the input with it). */
  readonly configured?: ConfiguredTraining;
}

/**
 * The ValidateInput task: sends `$$.Execution.Input` to the validate-input Lambda. In the training
 * pipeline the checked input becomes the state (`$.input`); the batch pipeline keeps its state. An
 * unknown key or a bad value fails with InvalidExecutionInput, never retried (only the Lambda
 * service's errors and throttling are). The catch replaces the state with the error and
 * InputCheckFailed wraps it as `$.error`: an input that is not an object (a JSON array or string)
 * could not take a `$.error` field, and must still be refused with the reason.
 */
export function buildInputCheck(scope: Construct, props: InputCheckProps): tasks.LambdaInvoke {
  const training = props.pipeline === 'training';
  const failed = new sfn.Pass(scope, InputStates.InputCheckFailed, { parameters: { 'error.$': '$' } }).next(props.failure);
  const check = new tasks.LambdaInvoke(scope, InputStates.ValidateInput, {
    lambdaFunction: props.validateFunction,
    payload: sfn.TaskInput.fromObject({
      pipeline: props.pipeline,
      input: sfn.JsonPath.objectAt('$$.Execution.Input'),
      configured: props.configured,
    } satisfies Fields<ValidateInputEvent, unknown>),
    retryOnServiceExceptions: false,
    resultSelector: training ? payloadFields<ValidateInputResult>({ input: true }) : undefined,
    resultPath: training ? '$' : sfn.JsonPath.DISCARD,
  });
  return guard(check, failed, { catchResultPath: '$' });
}

/** What the input steps need. */
export interface InputStepsProps {
  /** Validated configuration (the defaults). */
  readonly config: PipelineConfig;
  /** Bucket holding the raw exports (the default input is `rawDataKey` in it). */
  readonly rawBucket: s3.IBucket;
  /** Bucket for run artifacts: `runs/<execution name>/{data,model}/`. */
  readonly artifactsBucket: s3.IBucket;
  /** The validate-input Lambda. */
  readonly validateFunction: lambda.IFunction;
  /** Where invalid input goes (sets `$.error` first). */
  readonly failure: sfn.IChainable;
  /** The deploy-only entry (its input is `{ deployModelPackage }`). */
  readonly deployOnly: sfn.IChainable;
}

/** Builds the input steps; returns the first state and the last (NameRun), which the work follows. */
export function buildInputSteps(scope: Construct, props: InputStepsProps): { start: sfn.IChainable; end: sfn.Pass } {
  const { config } = props;
  const names = resourceNames(config.projectName);
  const check = buildInputCheck(scope, {
    validateFunction: props.validateFunction,
    pipeline: 'training',
    failure: props.failure,
    configured: {
      hyperparameters: config.hyperparameters,
      ...(config.tuning ? { tuning: config.tuning } : {}),
    },
  });
  const applyDefaults = new sfn.Pass(scope, S.ApplyDefaults, {
    parameters: {
      defaults: {
        rawDataUri: `s3://${props.rawBucket.bucketName}/${config.rawDataKey}`,
        threshold: config.gateThreshold,
        split: config.split,
        testFraction: config.testFraction,
        seed: config.splitSeed,
      } satisfies Required<Omit<TrainingInput, 'hyperparameters' | 'tuning' | 'deployModelPackage'>>,
      fixed: { eval_k: String(config.evalK) },
      // The checked input (ValidateInput): the static hyperparameters (the configured ones merged
      // under the input's, the searched ones left out) and the tuning plan (or null).
      'input.$': '$.input',
    },
  });
  const mergeInput = new sfn.Pass(scope, S.MergeInput, {
    parameters: {
      'args.$': 'States.JsonMerge($.defaults, $.input, false)',
      'hyperparameters.$': '$.input.hyperparameters',
      'fixed.$': '$.fixed',
      'runId.$': 'States.UUID()',
    },
  });
  const runPrefix = `s3://${props.artifactsBucket.bucketName}/runs/{}/`;
  const nameRun = new sfn.Pass(scope, S.NameRun, {
    parameters: {
      'args.$': '$.args',
      // eval_k is fixed: the gate and the MetricDefinitions are built for config.evalK.
      'hyperparameters.$': 'States.JsonMerge($.hyperparameters, $.fixed, false)',
      run: {
        'id.$': '$.runId',
        'trainingJobName.$': `States.Format('${names.trainingJobPrefix}{}', $.runId)`,
        'modelName.$': `States.Format('${names.modelPrefix}{}', $.runId)`,
        'endpointConfigName.$': `States.Format('${names.endpointConfigPrefix}{}', $.runId)`,
        // Tuning job names take at most 32 characters: the prefix and the UUID's first 12 digits.
        'tuningJobName.$': `States.Format('${names.tuningJobPrefix}{}{}', States.ArrayGetItem(States.StringSplit($.runId, '-'), 0), States.ArrayGetItem(States.StringSplit($.runId, '-'), 1))`,
        endpointName: config.endpointName,
        'dataUri.$': `States.Format('${runPrefix}data/', $$.Execution.Name)`,
        'modelOutputUri.$': `States.Format('${runPrefix}model/', $$.Execution.Name)`,
        'reportUri.$': `States.Format('${runPrefix}${ReportKeys.run}', $$.Execution.Name)`,
        // Merged into the training job's hyperparameters: the report shows the gate's threshold.
        hyperparameters: { [`${'gate_threshold' satisfies HyperparameterName}.$`]: "States.Format('{}', $.args.threshold)" },
      },
      // A tuned run's summary replaces it (tuning-job-step.ts); a literal null would be dropped.
      'tuning.$': "States.StringToJson('null')",
    },
  });
  check.next(
    new sfn.Choice(scope, S.DeployOnly)
      .when(sfn.Condition.isPresent('$.input.deployModelPackage'), props.deployOnly)
      .otherwise(applyDefaults.next(mergeInput).next(nameRun)),
  );
  return { start: check, end: nameRun };
}
