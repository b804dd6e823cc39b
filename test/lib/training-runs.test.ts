/**
 * Runs of the training state machine in the local runner (local/stepfunctions.ts) with stub task
 * handlers: a deployment with the defaults, input overrides, rejections, a missing report or
 * metric, and failures of data preparation and training.
 */
import { PrepareDataErrors, TrainingStates as S } from '../../lib/pipeline-names';
import type { Definition } from '../../local/cdk/synth';
import { ACCOUNT, deployStubs, err, packageArn, run } from './stub-run';
import { localDefinitions } from './synth-helper';

let training: Definition;
beforeAll(() => {
  training = localDefinitions().training;
});

describe('training state machine runs', () => {
  test('{} deploys a new endpoint with the configured defaults and records it', async () => {
    let throttled = false;
    const stubs = deployStubs();
    const prepare = stubs[S.PrepareData];
    stubs[S.PrepareData] = (i) => {
      if (!throttled) {
        throttled = true;
        throw err('Lambda.TooManyRequestsException');
      }
      return prepare(i);
    };
    const { output, inputs, error } = await run(training, {}, stubs);
    expect(error).toBeUndefined();
    expect(inputs(S.PrepareData)).toHaveLength(2); // retried once after throttling
    expect(inputs(S.PrepareData)[1].Payload).toEqual({
      rawDataUri: `s3://bpr-raw-${ACCOUNT}-us-east-1/raw/online_retail_II.csv`,
      outputUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/data/`,
      split: 'random',
      testFraction: 0.3,
      seed: 42,
      engine: 'auto',
      athena: {
        database: expect.stringMatching(/^bpr_prep_[0-9a-f-]{36}$/),
        workUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/athena/work/exec-1/`,
      },
    });
    const job = inputs(S.TrainModel)[0];
    expect(job.TrainingJobName).toMatch(/^bpr-train-[0-9a-f-]{36}$/);
    // the gate's threshold rides along for the model report
    expect(job.HyperParameters).toEqual({ seed: '42', eval_k: '10', gate_threshold: '0.05' });
    expect(job.OutputDataConfig.S3OutputPath).toBe(`s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/model/`);
    expect(inputs(S.CreateEndpoint)[0]).toEqual({
      EndpointName: 'bpr-recommender',
      EndpointConfigName: job.TrainingJobName.replace('train', 'epc'),
    });
    expect(inputs(S.UpdateEndpoint)).toHaveLength(0);
    // The version's copies under registry/<run id>/ (they do not expire) are what its package names.
    const runId = job.TrainingJobName.replace('bpr-train-', '');
    const registry = `s3://bpr-artifacts-${ACCOUNT}-us-east-1/registry/${runId}/`;
    expect(inputs(S.PromoteArtifacts)[0].Payload).toEqual({
      modelDataUrl: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/model/${job.TrainingJobName}/output/model.tar.gz`,
      batchInputUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/data/users.jsonl`,
      catalogUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/data/catalog/`,
      reportUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/report.html`,
      destinationUri: registry,
    });
    expect(inputs(S.RegisterModel)[0].Payload).toMatchObject({
      runId,
      trainingJobName: job.TrainingJobName,
      image: expect.stringMatching(/dkr\.ecr\..*container-assets.*:[0-9a-f]{64}$/),
      rawDataUri: `s3://bpr-raw-${ACCOUNT}-us-east-1/raw/online_retail_II.csv`,
      dataUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/data/`,
      artifacts: { prefix: registry, modelDataUrl: `${registry}model.tar.gz` },
      realtimeInstanceType: 'ml.c5.large',
      transformInstanceType: 'ml.c5.2xlarge',
    });
    // The model is the approved version (the package names the image and its artifact).
    expect(inputs(S.CreateModel)[0]).toEqual({
      ModelName: job.TrainingJobName.replace('train', 'model'),
      ExecutionRoleArn: expect.stringMatching(/:role\/SageMakerExecutionRole/),
      EnableNetworkIsolation: true,
      Containers: [{ ModelPackageName: packageArn(1) }],
    });
    expect(inputs(S.PublishReport)[0].Payload).toEqual({
      modelDataUrl: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/model/${job.TrainingJobName}/output/model.tar.gz`,
      reportUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/report.html`,
      latestReportUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/reports/latest.html`,
      tuning: null,
    });
    expect(output).toMatchObject({
      status: 'DEPLOYED',
      reportUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/report.html`,
      trainingJobName: job.TrainingJobName,
      modelName: job.TrainingJobName.replace('train', 'model'),
      endpointName: 'bpr-recommender',
      metricName: 'precision@10',
      value: 0.2,
      baselineValue: 0.1,
      threshold: 0.05,
      championValue: null,
      championVersion: null,
      championTolerance: 0.02,
      metrics: { 'precision@10': 0.2, 'baseline_precision@10': 0.1, 'recall@10': 0.3, 'p@k(10)': 0.25 },
      modelPackageArn: packageArn(1),
      modelPackageVersion: 1,
      modelApprovalStatus: 'Approved',
    });
    const record = JSON.parse(inputs(S.RecordDeployment)[0].Value);
    expect(record).toEqual({
      modelName: output.modelName,
      endpointName: 'bpr-recommender',
      endpointConfigName: job.TrainingJobName.replace('train', 'epc'),
      modelPackageArn: packageArn(1),
      modelPackageVersion: 1,
      trainingJobName: job.TrainingJobName,
      modelDataUrl: `${registry}model.tar.gz`,
      batchInputUri: `${registry}users.jsonl`,
      catalogUri: `${registry}catalog/`,
      metricName: 'precision@10',
      value: 0.2,
      baselineValue: 0.1,
      executionArn: `arn:aws:states:us-east-1:${ACCOUNT}:execution:bpr:exec-1`,
      deployedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(output.batchInputUri).toBe(`${registry}users.jsonl`);
    expect(JSON.parse(inputs(S.NotifySuccess)[0].Message)).toEqual(output);
  });

  test('execution input overrides threshold and hyperparameters; a rejected model ends in ModelRejected with its values', async () => {
    const { output, calls, inputs } = await run(
      training,
      { threshold: 0.5, hyperparameters: { epochs: '5', eval_k: '3' } },
      deployStubs(0.2, 0.1),
    );
    const names = calls.map(([n]) => n);
    expect(inputs(S.TrainModel)[0].HyperParameters).toEqual({ seed: '42', epochs: '5', eval_k: '10', gate_threshold: '0.5' });
    expect(names).not.toContain(S.CreateModel);
    expect(names).toContain(S.NotifyRejected);
    // Registered all the same, Rejected: the registry holds every trained model.
    expect(names).toContain(S.RegisterModel);
    expect(output).toMatchObject({
      status: 'REJECTED',
      modelPackageVersion: 1,
      modelApprovalStatus: 'Rejected',
      value: 0.2,
      baselineValue: 0.1,
      threshold: 0.5,
      reason: expect.stringContaining('below the threshold'),
      reportUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/report.html`,
    });
  });

  test('a run without a report goes on: reportUri null in the output, the gate still decides', async () => {
    const stubs = deployStubs();
    stubs[S.PublishReport] = () => ({
      Payload: { reportUri: null, latestReportUri: null, reason: 'the training job wrote no report.html' },
    });
    const { output, error } = await run(training, {}, stubs);
    expect(error).toBeUndefined();
    expect(output).toMatchObject({ status: 'DEPLOYED', reportUri: null });
  });

  test('a model that does not beat the baseline is rejected', async () => {
    expect((await run(training, {}, deployStubs(0.1, 0.12))).output).toMatchObject({
      status: 'REJECTED',
      reason: expect.stringContaining('baseline'),
    });
  });

  test('a missing gate metric fails the gate: REJECTED naming the metric, with the values that were measured, nothing deployed', async () => {
    const stubs = deployStubs();
    stubs[S.TrainModel] = (i) => ({
      TrainingJobName: i.TrainingJobName,
      ModelArtifacts: { S3ModelArtifacts: 's3://a/m' },
      FinalMetricDataList: [
        { MetricName: 'baseline_precision@10', Value: 0.1 },
        { MetricName: 'recall@10', Value: 0.4 },
      ],
    });
    const { output, calls, inputs, error } = await run(training, {}, stubs);
    expect(error).toBeUndefined();
    expect(output).toMatchObject({
      status: 'REJECTED',
      metricName: 'precision@10',
      value: null,
      baselineValue: 0.1,
      threshold: 0.05,
      metrics: { 'baseline_precision@10': 0.1, 'recall@10': 0.4 },
      reason: "metric precision@10 is missing from the training job's final metrics",
    });
    const names = calls.map(([n]) => n);
    expect(names).not.toContain(S.CreateModel);
    expect(names).not.toContain(S.RecordDeployment);
    expect(JSON.parse(inputs(S.NotifyRejected)[0].Message)).toEqual(output);
  });

  test('thresholds 0 and 1 are accepted', async () => {
    expect((await run(training, { threshold: 0 }, deployStubs())).output).toMatchObject({ status: 'DEPLOYED', threshold: 0 });
    expect((await run(training, { threshold: 1 }, deployStubs())).output).toMatchObject({ status: 'REJECTED', threshold: 1 });
  });

  test('bad input from PrepareData fails the execution at once, under its own name', async () => {
    const stubs = deployStubs();
    stubs[S.PrepareData] = () => {
      throw err(PrepareDataErrors.InputValidation, 'missing column(s) StockCode');
    };
    const { error, cause, inputs, calls } = await run(training, {}, stubs);
    expect(error).toBe('InputValidationError');
    expect(cause).toBe('missing column(s) StockCode');
    expect(inputs(S.PrepareData)).toHaveLength(1);
    expect(calls.map(([n]) => n)).toEqual([S.ValidateInput, S.PrepareData, S.NotifyFailure]);
  });

  test('a failed write of the prepared data is retried once, then fails the execution', async () => {
    const stubs = deployStubs();
    const prepare = stubs[S.PrepareData];
    let failures = 1;
    stubs[S.PrepareData] = (i) => {
      if (failures-- > 0) throw err(PrepareDataErrors.OutputWrite, 'writing s3://a/runs/x/users.jsonl failed');
      return prepare(i);
    };
    const retried = await run(training, {}, stubs);
    expect(retried.inputs(S.PrepareData)).toHaveLength(2);
    expect(retried.output).toMatchObject({ status: 'DEPLOYED' });
    failures = 2;
    const failed = await run(training, {}, stubs);
    expect(failed.inputs(S.PrepareData)).toHaveLength(2);
    expect(failed.error).toBe('OutputWriteError');
  });

  test('a failed training job fails the execution with its reason and deploys nothing', async () => {
    const stubs = deployStubs();
    stubs[S.TrainModel] = () => {
      throw err('States.TaskFailed', 'factors must be a positive integer');
    };
    const { error, cause, calls, inputs } = await run(training, {}, stubs);
    expect(error).toBe('States.TaskFailed');
    expect(cause).toBe('factors must be a positive integer');
    expect(calls.map(([n]) => n)).not.toContain(S.CreateModel);
    expect(inputs(S.NotifyFailure)[0].Message).toContain('factors must be a positive integer');
  });
});
