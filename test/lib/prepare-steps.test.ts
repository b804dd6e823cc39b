/**
 * The Athena path of data preparation in the synthesized training definition (lib/prepare-steps.ts):
 * the state machine's Athena permissions, the query Map's settings, and runs in the local runner with
 * stub tasks (a plan run statement by statement, published, its database dropped; a failed statement
 * dropping the database and failing).
 */
import { ATHENA_THROTTLING_ERROR } from '../../lib/aws-errors';
import { TrainingStates as S } from '../../lib/pipeline-names';
import type { Definition } from '../../local/cdk/synth';
import { ACCOUNT, deployStubs, err, run, type Stub } from './stub-run';
import { policyStatements, synth, type Synthesized } from './synth-helper';

let s: Synthesized;
let training: Definition;
beforeAll(() => {
  s = synth();
  training = s.training;
});
const text = (v: unknown) => JSON.stringify(v);

test("the training state machine's Athena queries: its workgroup, the run's Glue databases, raw data read, athena/ written", () => {
  const own = policyStatements(s.pipeline).filter((st) => st.policy.startsWith('TrainingPipelineStateMachineRole'));
  const athena = own.filter((st) => st.Action.some((a) => a.startsWith('athena:')));
  expect(athena.map((st) => [st.Action.slice().sort(), st.Resource.map((r) => text(s.resolve(r)))])).toEqual([
    [
      ['athena:GetQueryExecution', 'athena:StartQueryExecution', 'athena:StopQueryExecution'],
      [expect.stringContaining(':workgroup/bpr-prepare')],
    ],
    [['athena:GetDataCatalog'], [expect.stringContaining(':datacatalog/AwsDataCatalog')]],
  ]);
  const glue = own.filter((st) => st.Action.some((a) => a.startsWith('glue:')));
  expect(glue).toHaveLength(1);
  expect(glue[0].Action).not.toContain('glue:GetDatabases');
  expect(
    glue[0].Resource.map((r) =>
      text(s.resolve(r))
        .replace(/^.*:(catalog|database|table)/, '$1')
        .replace(/"$/, ''),
    ),
  ).toEqual(['catalog', 'database/bpr_prep_*', 'table/bpr_prep_*/*']);
  const s3 = own.filter((st) => st.Action.some((a) => a.startsWith('s3:')));
  const writes = s3.filter((st) => st.Action.includes('s3:PutObject'));
  expect(writes.map((st) => st.Resource.map((r) => s.resolve(r)))).toEqual([
    ['arn:aws:s3:::bpr-artifacts-000000000000-us-east-1/athena/*'],
  ]);
  for (const st of s3) expect(st.Action).not.toContain('s3:DeleteObject');
});

test('a configured rawTable adds read-only Glue access to that table alone, and passes cdk-nag', () => {
  const rawTable = { database: 'lake', table: 'order_lines', columns: { user: 'customer_id', item: 'sku' } };
  const withTable = synth({ rawTable }); // cdk-nag on: a finding would fail synth
  const glue = policyStatements(withTable.pipeline)
    .filter((st) => st.policy.startsWith('TrainingPipelineStateMachineRole') && st.Action.some((a) => a.startsWith('glue:')))
    .map((st) => [
      st.Action.slice().sort(),
      st.Resource.map((r) =>
        text(withTable.resolve(r))
          .replace(/^.*:(database|table)/, '$1')
          .replace(/"$/, ''),
      ),
    ]);
  expect(glue).toContainEqual([
    ['glue:GetDatabase', 'glue:GetPartitions', 'glue:GetTable'],
    ['database/lake', 'table/lake/order_lines'],
  ]);
  expect(glue.filter(([, resources]) => resources.some((r) => r.includes('lake')))).toHaveLength(1);
  // the Lambda is told the table (it plans the queries over it)
  expect(withTable.training.States[S.PrepareData].Parameters).toMatchObject({ Payload: { rawTable } });
});

test("Athena's statements run one at a time, in order, a failed one not retried", () => {
  const map = training.States[S.RunAthenaQueries];
  expect(map).toMatchObject({ Type: 'Map', MaxConcurrency: 1, ItemsPath: '$.prepared.athena.statements' });
  const query = (map.ItemProcessor as Definition).States[S.RunAthenaQuery];
  expect(query.Retry!.flatMap((r) => r.ErrorEquals)).not.toContain('States.TaskFailed');
  expect(query.Retry!.flatMap((r) => r.ErrorEquals)).toContain(ATHENA_THROTTLING_ERROR);
  expect(query.Parameters).toMatchObject({ 'QueryString.$': '$.statement', WorkGroup: 'bpr-prepare' });
});

/** PrepareData answering with a plan for Athena; the publish step answering as the DuckDB path does. */
function athenaStubs(failAt?: number): Record<string, Stub> {
  const stubs = deployStubs();
  const prepared = stubs[S.PrepareData];
  const plan = {
    database: 'bpr_prep_x',
    workUri: 's3://a/athena/work/exec-1/',
    statements: ['S1', 'S2', 'S3'],
    cleanup: 'DROP',
  };
  let n = 0;
  return {
    ...stubs,
    [S.PrepareData]: (i) => ({
      Payload: { ...(prepared(i) as { Payload: object }).Payload, engine: 'athena', stats: null, athena: plan },
    }),
    [S.RunAthenaQuery]: (i) => {
      if (++n === failAt) throw err('States.TaskFailed', JSON.stringify({ QueryExecution: { Status: { State: 'FAILED' } } }));
      return { QueryExecution: { Query: i.QueryString } };
    },
    [S.PublishAthenaResults]: prepared,
  };
}

test('the Athena path: the plan runs statement by statement, the results are published, the run database dropped', async () => {
  const { output, inputs, names } = await run(training, {}, athenaStubs());
  expect(inputs(S.RunAthenaQuery).map((i) => i.QueryString)).toEqual(['S1', 'S2', 'S3']);
  expect(inputs(S.PublishAthenaResults)[0].Payload).toMatchObject({
    publish: true,
    outputUri: `s3://bpr-artifacts-${ACCOUNT}-us-east-1/runs/exec-1/data/`,
    athena: { database: 'bpr_prep_x', statements: ['S1', 'S2', 'S3'] },
  });
  expect(inputs(S.DropAthenaDatabase).map((i) => i.QueryString)).toEqual(['DROP']);
  expect(names.indexOf(S.DropAthenaDatabase)).toBeLessThan(names.indexOf(S.TrainModel));
  expect(names).not.toContain(S.DropAthenaDatabaseAfterFailure);
  expect(inputs(S.TrainModel)[0].InputDataConfig).toBeDefined();
  expect(output).toMatchObject({ status: 'DEPLOYED' });
});

test('a failed Athena statement fails the Map: the run database is dropped, nothing published, the execution fails with its error', async () => {
  // the last statement fails (the local runner, unlike Step Functions, still starts items queued behind a failed one)
  const { status, error, inputs, names } = await run(training, {}, athenaStubs(3));
  expect(status).toBe('FAILED');
  expect(error).toBe('States.TaskFailed');
  expect(inputs(S.RunAthenaQuery).map((i) => i.QueryString)).toEqual(['S1', 'S2', 'S3']);
  expect(inputs(S.DropAthenaDatabaseAfterFailure).map((i) => i.QueryString)).toEqual(['DROP']);
  expect(names).not.toContain(S.PublishAthenaResults);
  expect(names).not.toContain(S.TrainModel);
  expect(names.at(-1)).toBe(S.NotifyFailure);
});
