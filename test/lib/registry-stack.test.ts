/**
 * The Model Registry in the synthesized templates: the model package group (retained, named with
 * the bucket suffix), who may create, describe and deploy its versions, and the approval rule that
 * exists only with approvalMode manual. cdk-nag runs on every synth here.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { synth, type Synthesized } from './synth-helper';

let auto: Synthesized;
let manual: Synthesized;
beforeAll(() => {
  auto = synth();
  manual = synth({ approvalMode: 'manual', bucketSuffix: 'v2' });
});

/** Every IAM statement of the pipeline stack with its policy's logical id, resources resolved. */
function statements(s: Synthesized) {
  return Object.entries(s.pipeline.findResources('AWS::IAM::Policy')).flatMap(([id, r]) =>
    (r.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]).map((st) => ({
      policy: id,
      Action: [st.Action].flat(),
      Resource: [st.Resource].flat().map((x) => String(s.resolve(x))),
    })),
  );
}
const ARN = 'arn:aws:sagemaker:us-east-1:000000000000';
const rules = (t: Template) => Object.values(t.findResources('AWS::Events::Rule'));

test('one model package group per project, retained with the buckets, its name carrying the bucket suffix', () => {
  const groups = Object.values(auto.pipeline.findResources('AWS::SageMaker::ModelPackageGroup'));
  expect(groups).toHaveLength(1);
  expect(groups[0]).toMatchObject({
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: { ModelPackageGroupName: 'bpr-models' },
  });
  const [suffixed] = Object.values(manual.pipeline.findResources('AWS::SageMaker::ModelPackageGroup'));
  expect(suffixed.Properties.ModelPackageGroupName).toBe('bpr-models-v2');
  expect(manual.resolve(manual.pipeline.toJSON().Outputs.ModelPackageGroupName.Value)).toBe('bpr-models-v2');
});

test("only the register Lambda creates versions, in the project's group; only the state machine describes and deploys them", () => {
  const create = statements(auto).filter((st) => st.Action.includes('sagemaker:CreateModelPackage'));
  expect(create.map((st) => [st.policy.replace(/[0-9A-F]{8}$/, ''), st.Action, st.Resource])).toEqual([
    [
      'RegisterModelFunctionRoleDefaultPolicy',
      ['sagemaker:CreateModelPackage'],
      [`${ARN}:model-package-group/bpr-models`, `${ARN}:model-package/bpr-models/*`],
    ],
  ]);
  const describe = statements(auto).filter((st) => st.Action.includes('sagemaker:DescribeModelPackage'));
  expect(describe.map((st) => [st.policy.replace(/[0-9A-F]{8}$/, ''), st.Resource])).toEqual([
    ['TrainingPipelineStateMachineRoleDefaultPolicy', [`${ARN}:model-package/bpr-models/*`]],
  ]);
  // Nobody changes approval statuses but people (the console, the CLI): the pipeline never does.
  expect(
    statements(auto).filter((st) => st.Action.some((a) => /ModelPackage(Group)?$/.test(a) && /Update|Delete/.test(a))),
  ).toEqual([]);
  // The register Lambda writes each version's model-quality document, and nothing else in S3.
  const s3 = statements(auto).filter(
    (st) => st.policy.startsWith('RegisterModelFunctionRole') && st.Action.some((a) => a.startsWith('s3:')),
  );
  expect(s3.map((st) => [st.Action, st.Resource])).toEqual([
    [['s3:PutObject'], ['arn:aws:s3:::bpr-artifacts-000000000000-us-east-1/registry/*/model-quality.json']],
  ]);
});

test('auto approval: no rule (the training run deploys what the gate approves); manual: approving a version starts the deploy-only entry', () => {
  expect(rules(auto.pipeline)).toEqual([]);
  const [rule] = rules(manual.pipeline);
  expect(rule.Properties.EventPattern).toEqual({
    source: ['aws.sagemaker'],
    'detail-type': ['SageMaker Model Package State Change'],
    detail: { ModelPackageGroupName: ['bpr-models-v2'], ModelApprovalStatus: ['Approved'] },
  });
  const [target] = rule.Properties.Targets as Record<string, unknown>[];
  expect(manual.resolve(target.Arn)).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:bpr-training-pipeline');
  expect(target.InputTransformer).toEqual({
    InputPathsMap: { 'detail-ModelPackageArn': '$.detail.ModelPackageArn' },
    InputTemplate: '{"deployModelPackage":<detail-ModelPackageArn>}',
  });
  // Its role may start that state machine only.
  const role = String((target.RoleArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]);
  const start = statements(manual).filter((st) => st.policy.startsWith(role.replace(/[0-9A-F]{8}$/, '')));
  expect(start.map((st) => [st.Action, st.Resource])).toEqual([
    [['states:StartExecution'], ['arn:aws:states:us-east-1:000000000000:stateMachine:bpr-training-pipeline']],
  ]);
});
