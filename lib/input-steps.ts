/**
 * The first states of the training pipeline: the execution input's keys checked, the input merged
 * over the configured defaults, the threshold checked before any work is done, and the run's names
 * (job, model, endpoint configuration, S3 prefixes) derived from one UUID and the execution name.
 * The key check (buildInputKeyCheck) opens the batch pipeline too.
 */
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { PipelineConfig } from './config';
import type { HyperparameterName } from '../container/src/train/hyperparameters';
import { IGNORED_INPUT_KEY, TRAINING_INPUT_KEYS, unknownInputKeyMessage, type TrainingInput } from './contracts';
import { InputKeyStates, PipelineErrors, ReportKeys, resourceNames, TrainingStates as S } from './pipeline-names';

/** What the key check needs. */
export interface InputKeyCheckProps {
  /** The keys the input may have (besides the ignored Comment). */
  readonly accepted: readonly string[];
  /** "training" or "batch", as the failure's cause names the pipeline. */
  readonly pipeline: string;
  /** Where an input with another key goes (sets `$.error` first). */
  readonly failure: sfn.IChainable;
}

/**
 * Rejects an execution input holding a key that is not accepted (a misspelt `treshold` would
 * otherwise be ignored and the default used), before any other state runs. JSONPath has no
 * intrinsic that lists an object's keys, so the check counts them: the input merged with an
 * object holding every accepted key (each set to 0) is written as JSON and split at commas
 * (States.JsonMerge, States.JsonToString, States.StringSplit, States.ArrayLength:
 * https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html). With accepted
 * keys only, every value is 0 and the parts are exactly as many as the accepted keys; any other
 * key adds at least one part, whatever its value. The state data is left as it was but for
 * `$.inputKeys`; later states read the input from `$$.Execution.Input`.
 */
export function buildInputKeyCheck(
  scope: Construct,
  props: InputKeyCheckProps,
): { start: sfn.Pass; next: (state: sfn.IChainable) => void } {
  const keys = [...props.accepted, IGNORED_INPUT_KEY];
  const read = new sfn.Pass(scope, InputKeyStates.ReadInputKeys, {
    parameters: { zeros: Object.fromEntries(keys.map((k) => [k, 0])) },
    resultPath: '$.inputKeys',
  });
  // The copy (StringToJson of JsonToString) is the first argument because the local interpreter's
  // JsonMerge changes its first argument in place; in AWS it changes nothing.
  const merged = 'States.JsonMerge(States.StringToJson(States.JsonToString($$.Execution.Input)), $.inputKeys.zeros, false)';
  const count = new sfn.Pass(scope, InputKeyStates.CountInputKeys, {
    parameters: { 'count.$': `States.ArrayLength(States.StringSplit(States.JsonToString(${merged}), ','))` },
    resultPath: '$.inputKeys',
  });
  const unknown = new sfn.Pass(scope, InputKeyStates.UnknownInputKey, {
    parameters: {
      Error: PipelineErrors.InvalidExecutionInput,
      'Cause.$': `States.Format('${unknownInputKeyMessage('{}', props.pipeline, props.accepted)}', States.JsonToString($$.Execution.Input))`,
    },
    resultPath: '$.error',
  }).next(props.failure);
  const check = new sfn.Choice(scope, InputKeyStates.CheckInputKeys);
  read.next(count).next(check);
  return {
    start: read,
    next: (state) => {
      check.when(sfn.Condition.numberEquals('$.inputKeys.count', keys.length), state).otherwise(unknown);
    },
  };
}

/** What the input steps need. */
export interface InputStepsProps {
  /** Validated configuration (the defaults). */
  readonly config: PipelineConfig;
  /** Bucket holding the raw exports (the default input is `rawDataKey` in it). */
  readonly rawBucket: s3.IBucket;
  /** Bucket for run artifacts: `runs/<execution name>/{data,model}/`. */
  readonly artifactsBucket: s3.IBucket;
  /** Where invalid input goes (sets `$.error` first). */
  readonly failure: sfn.IChainable;
}

/** Builds the input steps; returns the first state and the last (NameRun), which the work follows. */
export function buildInputSteps(scope: Construct, props: InputStepsProps): { start: sfn.IChainable; end: sfn.Pass } {
  const { config } = props;
  const names = resourceNames(config.projectName);
  const keyCheck = buildInputKeyCheck(scope, { accepted: TRAINING_INPUT_KEYS, pipeline: 'training', failure: props.failure });
  const applyDefaults = new sfn.Pass(scope, S.ApplyDefaults, {
    parameters: {
      defaults: {
        rawDataUri: `s3://${props.rawBucket.bucketName}/${config.rawDataKey}`,
        threshold: config.gateThreshold,
        split: config.split,
        testFraction: config.testFraction,
        seed: config.splitSeed,
      } satisfies Required<Omit<TrainingInput, 'hyperparameters'>>,
      // Kept apart from `defaults`: each JsonMerge below gets its own objects (the local
      // interpreter's JsonMerge mutates its first argument).
      hyperparameters: config.hyperparameters,
      base: { hyperparameters: {} },
      fixed: { eval_k: String(config.evalK) },
      // The execution's own input: `$` also holds the key check's result.
      'input.$': '$$.Execution.Input',
    },
  });
  keyCheck.next(applyDefaults);
  const normalizeInput = new sfn.Pass(scope, S.NormalizeInput, {
    parameters: {
      'defaults.$': '$.defaults',
      'hyperparameters.$': '$.hyperparameters',
      'fixed.$': '$.fixed',
      'input.$': 'States.JsonMerge($.base, $.input, false)',
    },
  });
  const mergeInput = new sfn.Pass(scope, S.MergeInput, {
    parameters: {
      'args.$': 'States.JsonMerge($.defaults, $.input, false)',
      'hyperparameters.$': 'States.JsonMerge($.hyperparameters, $.input.hyperparameters, false)',
      'fixed.$': '$.fixed',
      'runId.$': 'States.UUID()',
    },
  });
  // The threshold is only used by the gate, after training: check it before any work is done.
  const threshold = '$.args.threshold';
  const validateInput = new sfn.Choice(scope, S.ValidateInput);
  const invalidInput = new sfn.Pass(scope, S.InvalidInput, {
    parameters: {
      Error: PipelineErrors.InvalidExecutionInput,
      'Cause.$': `States.Format('threshold must be a number between 0 and 1, got {}', States.JsonToString(${threshold}))`,
    },
    resultPath: '$.error',
  }).next(props.failure);
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
        endpointName: config.endpointName,
        'dataUri.$': `States.Format('${runPrefix}data/', $$.Execution.Name)`,
        'modelOutputUri.$': `States.Format('${runPrefix}model/', $$.Execution.Name)`,
        'reportUri.$': `States.Format('${runPrefix}${ReportKeys.run}', $$.Execution.Name)`,
        // Merged into the training job's hyperparameters: the report shows the gate's threshold.
        hyperparameters: { [`${'gate_threshold' satisfies HyperparameterName}.$`]: `States.Format('{}', ${threshold})` },
      },
    },
  });
  const valid = sfn.Condition.and(
    sfn.Condition.isPresent(threshold),
    sfn.Condition.isNumeric(threshold),
    sfn.Condition.numberGreaterThanEquals(threshold, 0),
    sfn.Condition.numberLessThanEquals(threshold, 1),
  );
  applyDefaults.next(normalizeInput).next(mergeInput).next(validateInput.when(valid, nameRun).otherwise(invalidInput));
  return { start: keyCheck.start, end: nameRun };
}
