/**
 * The notification topic: KMS-encrypted, SSL only, and open to exactly two kinds of publisher: the
 * state machines (through their roles) and the project's own CloudWatch alarms. enforceSSL gives
 * the topic a resource policy holding only a Deny; without an Allow for the CloudWatch service
 * principal, alarms cannot publish. The Allow is scoped with aws:SourceArn and aws:SourceAccount
 * (confused-deputy protection), and CloudWatch may use the key, as an encrypted topic requires:
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 */
import { ArnFormat, Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { PipelineConfig } from './config';

/** Properties of the notification topic. */
export interface NotificationsProps {
  /** Validated configuration (project name, optional e-mail subscription). */
  readonly config: PipelineConfig;
}

/** CloudWatch's service principal, the publisher of alarm notifications. */
const CLOUDWATCH = 'cloudwatch.amazonaws.com';

/** Alarm names of the project all start with `<projectName>-` (monitoring.ts). */
export function alarmArnPattern(scope: Construct, projectName: string): string {
  return Stack.of(scope).formatArn({
    service: 'cloudwatch',
    resource: 'alarm',
    resourceName: `${projectName}-*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** The topic and its key. */
export interface Notifications {
  /** Receives success, rejection, failure and alarm notifications. */
  readonly topic: sns.Topic;
  /** Encrypts the topic (publishers need kms:GenerateDataKey and kms:Decrypt on it). */
  readonly key: kms.Key;
}

/** Creates the key (`NotificationKey`) and the topic (`Notifications`) in scope, keeping their logical ids. */
export function createNotifications(scope: Construct, props: NotificationsProps): Notifications {
  const { config } = props;
  const key = new kms.Key(scope, 'NotificationKey', {
    description: 'Encrypts the recommender pipeline notification topic',
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  key.grant(new iam.ServicePrincipal(CLOUDWATCH), 'kms:Decrypt', 'kms:GenerateDataKey*');
  const topic = new sns.Topic(scope, 'Notifications', {
    masterKey: key,
    enforceSSL: true,
    displayName: `${config.projectName} recommender pipeline`,
  });
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowProjectAlarms',
      principals: [new iam.ServicePrincipal(CLOUDWATCH)],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        ArnLike: { 'aws:SourceArn': alarmArnPattern(scope, config.projectName) },
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      },
    }),
  );
  if (config.notificationEmail) topic.addSubscription(new subscriptions.EmailSubscription(config.notificationEmail));
  return { topic, key };
}
