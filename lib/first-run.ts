/**
 * Starts the first training execution when the stack is created (startTrainingOnDeploy): an
 * AwsCustomResource that calls StartExecution once, on create only, so later updates start
 * nothing. The raw export must be in place before the deployment (docs/production.md, "First deployment").
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

/** The custom resource (logical id `FirstTrainingRun...`). */
export function startFirstTraining(scope: Construct, stateMachine: sfn.IStateMachine): cr.AwsCustomResource {
  return new cr.AwsCustomResource(scope, 'FirstTrainingRun', {
    onCreate: {
      service: 'SFN',
      action: 'startExecution',
      parameters: { stateMachineArn: stateMachine.stateMachineArn, input: '{}' },
      physicalResourceId: cr.PhysicalResourceId.fromResponse('executionArn'),
    },
    policy: cr.AwsCustomResourcePolicy.fromStatements([
      new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [stateMachine.stateMachineArn] }),
    ]),
    installLatestAwsSdk: false,
  });
}
