/**
 * Before training, the live model becomes the run's champion: the deployment record names the
 * deployed registry version and its model artifact, which the training job gets as its `champion`
 * channel and measures on the same test pairs (container/src/train/champion.ts). Without a record
 * (a first run), or with a record that names no registry version, the job gets the prepared
 * channels only and the gate decides as on a first run.
 */
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Fields, LiveModel } from './contracts';
import { DataPaths, TrainingStates as S } from './pipeline-names';
import { jsonPaths, readDeploymentRecord } from './task-helpers';
import { trainingChannels } from './training-job-step';

const { liveRecord } = DataPaths;

/** What the champion steps need. */
export interface ChampionStepsProps {
  /** SSM parameter recording the deployed model. */
  readonly deploymentParameter: ssm.IStringParameter;
  /** Where a failed read goes. */
  readonly failure: sfn.IChainable;
  /** The training job, which reads `$.jobInput`. */
  readonly next: sfn.IChainable;
}

/** ReadLiveModel, then `$.jobInput` = { champion: LiveModel | null, channels }; returns the first state. */
export function buildChampionSteps(scope: Construct, props: ChampionStepsProps): sfn.IChainable {
  const champion: Fields<LiveModel, string> = {
    modelPackageArn: liveRecord('modelPackageArn'),
    modelPackageVersion: liveRecord('modelPackageVersion'),
    modelDataUrl: liveRecord('modelDataUrl'),
  };
  const withChampion = new sfn.Pass(scope, S.WithChampion, {
    parameters: { champion: jsonPaths<LiveModel>(champion), channels: trainingChannels(champion.modelDataUrl) },
    resultPath: '$.jobInput',
  });
  const withoutChampion = new sfn.Pass(scope, S.WithoutChampion, {
    // A literal null would be dropped from Parameters: the intrinsic writes one.
    parameters: { 'champion.$': "States.StringToJson('null')", channels: trainingChannels() },
    resultPath: '$.jobInput',
  });
  withChampion.next(props.next);
  withoutChampion.next(props.next);
  const registered = new sfn.Choice(scope, S.LiveModelRegistered)
    .when(sfn.Condition.and(...Object.values(champion).map((path) => sfn.Condition.isPresent(path))), withChampion)
    .otherwise(withoutChampion);
  return readDeploymentRecord(scope, S.ReadLiveModel, {
    parameter: props.deploymentParameter,
    resultPath: '$.live',
    missing: withoutChampion,
    failure: props.failure,
  }).next(registered);
}
