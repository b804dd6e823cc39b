/**
 * The Model Registry of the project: one model package group, whose versions are the trained
 * models (registry-steps.ts registers each one). The group outlives `cdk destroy`, like the buckets
 * holding its versions' artifacts: the registry is the models' history. With approvalMode manual,
 * an EventBridge rule on "SageMaker Model Package State Change" starts the training state machine's
 * deploy-only entry when a version of the group becomes Approved (in the console, in SageMaker
 * Studio, or with `npm run pipeline -- approve`); a rejection matches nothing and changes nothing.
 * The event's detail carries the version's fields (ModelPackageGroupName, ModelPackageArn,
 * ModelApprovalStatus, ...): https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { PipelineConfig } from './config';
import type { DeployOnlyInput } from './contracts';
import { ApprovalStatus, modelPackageGroupName } from './pipeline-names';

/** The event SageMaker sends when a model package changes (its approval status, among others). */
export const MODEL_PACKAGE_STATE_CHANGE = {
  source: 'aws.sagemaker',
  detailType: 'SageMaker Model Package State Change',
} as const;

/** Properties of the registry. */
export interface ModelRegistryProps {
  /** Validated configuration (project name, bucket suffix, approval mode). */
  readonly config: PipelineConfig;
}

/** The model package group (logical id `ModelRegistryGroup`) and, in manual mode, the approval rule. */
export class ModelRegistry extends Construct {
  /** The group's name. */
  readonly groupName: string;
  /** The group. */
  readonly group: sagemaker.CfnModelPackageGroup;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ModelRegistryProps,
  ) {
    super(scope, id);
    const { config } = props;
    this.groupName = modelPackageGroupName(config.projectName, config.bucketSuffix);
    this.group = new sagemaker.CfnModelPackageGroup(this, 'Group', {
      modelPackageGroupName: this.groupName,
      modelPackageGroupDescription: `Models trained by the ${config.projectName} recommender pipeline, one version per training run`,
    });
    this.group.applyRemovalPolicy(RemovalPolicy.RETAIN);
  }

  /** In manual mode: approving a version of the group starts `stateMachine` with `{ deployModelPackage }`. */
  deployOnApproval(stateMachine: sfn.IStateMachine): events.Rule | undefined {
    if (this.props.config.approvalMode !== 'manual') return undefined;
    // The event's detail carries the version's ModelPackageArn, ModelPackageGroupName and ModelApprovalStatus,
    // and SageMaker may send it more than once per change (deploy-steps.ts skips a version already live):
    // https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html#eventbridge-model-package
    const rule = new events.Rule(this, 'ApprovalRule', {
      description: `Deploys a version of ${this.groupName} when it is approved`,
      eventPattern: {
        source: [MODEL_PACKAGE_STATE_CHANGE.source],
        detailType: [MODEL_PACKAGE_STATE_CHANGE.detailType],
        detail: { ModelPackageGroupName: [this.groupName], ModelApprovalStatus: [ApprovalStatus.Approved] },
      },
    });
    rule.node.addDependency(this.group);
    rule.addTarget(
      new targets.SfnStateMachine(stateMachine, {
        input: events.RuleTargetInput.fromObject({
          deployModelPackage: events.EventField.fromPath('$.detail.ModelPackageArn'),
        } satisfies DeployOnlyInput),
        retryAttempts: 2,
      }),
    );
    return rule;
  }
}
