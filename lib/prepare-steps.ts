/**
 * The data preparation states of the training pipeline. PrepareData runs the prepare-data Lambda:
 * on DuckDB it prepares the data itself; for Athena (engine `athena`, `auto` on a large input, or
 * a Glue table as the input) it returns the plan of statements, which the state machine runs one by
 * one with athena:startQueryExecution.sync (https://docs.aws.amazon.com/step-functions/latest/dg/connect-athena.html)
 * in the pipeline's workgroup; the same function then publishes the outputs from the results, and
 * the run's Glue database is dropped (after a failure too).
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { PipelineConfig } from './config';
import type { Fields, PrepareDataRequest, PrepareDataResult } from './contracts';
import { ATHENA_THROTTLING_ERROR } from './aws-errors';
import { AthenaKeys, PREPARE_DATA_RETRY_ERRORS, resourceNames, TrainingStates as S } from './pipeline-names';
import { guard, payloadFields, retryTransient, scopeTaskPolicies } from './task-helpers';

/** What the preparation states need. */
export interface PrepareStepsProps {
  /** Validated configuration (engine, raw table). */
  readonly config: PipelineConfig;
  /** The prepare-data Lambda. */
  readonly prepareFunction: lambda.IFunction;
  /** Bucket holding the raw exports (Athena reads them in place). */
  readonly rawBucket: s3.IBucket;
  /** Bucket for run artifacts (Athena's results and scratch tables under athena/). */
  readonly artifactsBucket: s3.IBucket;
  /** Where any failure goes (sets `$.error` first). */
  readonly failure: sfn.IChainable;
  /** The state after the data is prepared. */
  readonly next: sfn.IChainable;
}

/** The Athena workgroup of the pipeline, with its results location (kept 7 days by the artifacts bucket's lifecycle rule). */
function workGroup(scope: Construct, config: PipelineConfig, artifacts: s3.IBucket): athena.CfnWorkGroup {
  const group = new athena.CfnWorkGroup(scope, 'AthenaWorkGroup', {
    name: resourceNames(config.projectName).athenaWorkGroup,
    description: 'Data preparation of the recommender pipeline',
    recursiveDeleteOption: true,
    state: 'ENABLED',
    workGroupConfiguration: {
      enforceWorkGroupConfiguration: true,
      publishCloudWatchMetricsEnabled: true,
      engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
      resultConfiguration: {
        outputLocation: `s3://${artifacts.bucketName}/${AthenaKeys.results}`,
        encryptionConfiguration: { encryptionOption: 'SSE_S3' },
      },
    },
  });
  group.applyRemovalPolicy(RemovalPolicy.DESTROY);
  return group;
}

/** Builds the states; returns the first one (PrepareData). Every path ends in `next` or `failure`. */
export function buildPrepareSteps(scope: Construct, props: PrepareStepsProps): sfn.IChainable {
  const { config } = props;
  const stack = Stack.of(scope);
  const names = resourceNames(config.projectName);
  const fields: Fields<PrepareDataResult, true> = {
    trainingUri: true,
    testingUri: true,
    catalogUri: true,
    batchInputUri: true,
    statsUri: true,
    manifestUri: true,
    stats: true,
    engine: true,
    athena: true,
  };
  const workUri = `s3://${props.artifactsBucket.bucketName}/${AthenaKeys.work}{}/`;
  const request = {
    rawDataUri: sfn.JsonPath.stringAt('$.args.rawDataUri'),
    outputUri: sfn.JsonPath.stringAt('$.run.dataUri'),
    split: sfn.JsonPath.stringAt('$.args.split'),
    testFraction: sfn.JsonPath.numberAt('$.args.testFraction'),
    seed: sfn.JsonPath.numberAt('$.args.seed'),
    engine: config.prepareEngine,
    athena: {
      database: sfn.JsonPath.format(`${names.athenaDatabasePrefix}{}`, sfn.JsonPath.stringAt('$.run.id')),
      workUri: sfn.JsonPath.format(workUri, sfn.JsonPath.executionName),
    },
    ...(config.rawTable ? { rawTable: config.rawTable } : {}),
  } satisfies Partial<Fields<PrepareDataRequest, unknown>>;
  const invoke = (id: string, payload: Record<string, unknown>) =>
    new tasks.LambdaInvoke(scope, id, {
      lambdaFunction: props.prepareFunction,
      payload: sfn.TaskInput.fromObject(payload),
      retryOnServiceExceptions: false,
      resultSelector: payloadFields<PrepareDataResult>(fields),
      resultPath: '$.prepared',
    });
  const prepare = guard(invoke(S.PrepareData, request), props.failure);
  // A failed write leaves nothing behind: one more try. Bad input fails at once (a retry would too).
  prepare.addRetry({ errors: [...PREPARE_DATA_RETRY_ERRORS], interval: Duration.seconds(10), maxAttempts: 1 });

  const group = workGroup(scope, config, props.artifactsBucket);
  const query = (id: string, queryString: string) => {
    const task = new tasks.AthenaStartQueryExecution(scope, id, {
      queryString,
      workGroup: group.name,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      resultPath: sfn.JsonPath.DISCARD,
    });
    task.node.addDependency(group);
    scopeTaskPolicies(task, athenaStatements(stack, config, group.name, props));
    return task;
  };
  const dropAfterFailure = query(S.DropAthenaDatabaseAfterFailure, sfn.JsonPath.stringAt('$.prepared.athena.cleanup'));
  guard(dropAfterFailure, props.failure, { catchResultPath: sfn.JsonPath.DISCARD }).next(props.failure);
  const runQuery = query(S.RunAthenaQuery, sfn.JsonPath.stringAt('$.statement'));
  const runAll = new sfn.Map(scope, S.RunAthenaQueries, {
    itemsPath: '$.prepared.athena.statements',
    maxConcurrency: 1,
    itemSelector: { 'statement.$': '$$.Map.Item.Value' },
    resultPath: sfn.JsonPath.DISCARD,
  }).itemProcessor(runQuery);
  // A query that ends FAILED fails its task with States.TaskFailed, the query's status as the cause
  // (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html); it is not retried
  // (a statement that failed fails again). The Map's catch is the query's: drop the run's database, then fail.
  retryTransient(runQuery, [ATHENA_THROTTLING_ERROR]);
  runAll.addCatch(dropAfterFailure, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
  const publish = guard(
    invoke(S.PublishAthenaResults, {
      ...request,
      publish: true,
      athena: sfn.JsonPath.objectAt('$.prepared.athena'),
    }),
    dropAfterFailure,
  );
  publish.addRetry({ errors: [...PREPARE_DATA_RETRY_ERRORS], interval: Duration.seconds(10), maxAttempts: 1 });
  // The plan is kept apart: the publish step's result replaces $.prepared.
  const keepPlan = new sfn.Pass(scope, S.KeepAthenaPlan, {
    parameters: { 'cleanup.$': '$.prepared.athena.cleanup' },
    resultPath: '$.athenaPlan',
  });
  const drop = guard(query(S.DropAthenaDatabase, sfn.JsonPath.stringAt('$.athenaPlan.cleanup')), props.failure);
  keepPlan.next(runAll).next(publish).next(drop).next(props.next);
  prepare.next(
    new sfn.Choice(scope, S.CheckPrepareEngine)
      .when(
        sfn.Condition.and(
          sfn.Condition.isPresent('$.prepared.athena.statements'),
          sfn.Condition.stringEquals('$.prepared.engine', 'athena'),
        ),
        keepPlan,
      )
      .otherwise(props.next),
  );
  return prepare;
}

/**
 * What running the run's statements needs, instead of the integration's generated policy (s3 on
 * "*", glue on every database): https://docs.aws.amazon.com/step-functions/latest/dg/athena-iam.html
 * lists the actions. Here: the queries of the pipeline's workgroup; the Glue catalog objects of the
 * run's databases (and the raw table, read only); the raw bucket read; Athena's results, each run's
 * tables and UNLOAD output written under athena/ of the artifacts bucket (Athena uses the caller's
 * permissions on S3: https://docs.aws.amazon.com/athena/latest/ug/access.html).
 */
function athenaStatements(stack: Stack, config: PipelineConfig, group: string, props: PrepareStepsProps): iam.PolicyStatement[] {
  const names = resourceNames(config.projectName);
  const glue = (resource: string, name?: string) => stack.formatArn({ service: 'glue', resource, resourceName: name });
  const statements = [
    new iam.PolicyStatement({
      actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:StopQueryExecution'],
      resources: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: group })],
    }),
    new iam.PolicyStatement({
      actions: ['athena:GetDataCatalog'],
      resources: [stack.formatArn({ service: 'athena', resource: 'datacatalog', resourceName: 'AwsDataCatalog' })],
    }),
    new iam.PolicyStatement({
      actions: [
        'glue:CreateDatabase',
        'glue:DeleteDatabase',
        'glue:GetDatabase',
        'glue:CreateTable',
        'glue:DeleteTable',
        'glue:BatchDeleteTable',
        'glue:UpdateTable',
        'glue:GetTable',
        'glue:GetTables',
        'glue:GetPartitions',
      ],
      resources: [
        glue('catalog'),
        glue('database', `${names.athenaDatabasePrefix}*`),
        glue('table', `${names.athenaDatabasePrefix}*/*`),
      ],
    }),
    new iam.PolicyStatement({ actions: ['s3:GetBucketLocation', 's3:ListBucket'], resources: [props.rawBucket.bucketArn] }),
    new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [props.rawBucket.arnForObjects('*')] }),
    new iam.PolicyStatement({
      actions: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
      resources: [props.artifactsBucket.bucketArn],
    }),
    new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [props.artifactsBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${AthenaKeys.prefix}*`] } },
    }),
    new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      resources: [props.artifactsBucket.arnForObjects(`${AthenaKeys.prefix}*`)],
    }),
  ];
  if (config.rawTable) {
    statements.push(
      new iam.PolicyStatement({
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions'],
        resources: [
          glue('database', config.rawTable.database),
          glue('table', `${config.rawTable.database}/${config.rawTable.table}`),
        ],
      }),
    );
  }
  return statements;
}
