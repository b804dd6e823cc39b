/**
 * Operability: endpoint alarms (also the blue/green rollback triggers), failed-execution alarms
 * and a dashboard of the latest model report, executions, training metrics per run and endpoint traffic.
 */
import { Aws, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { PipelineConfig } from './config';
import { gateMetricNames, ReportKeys, VARIANT_NAME } from './pipeline-names';

/** Properties of the monitoring construct. */
export interface MonitoringProps {
  /** Validated configuration (endpoint name, alarm thresholds). */
  readonly config: PipelineConfig;
  /** Topic the alarms notify. */
  readonly topic: sns.ITopic;
  /** Bucket of the run artifacts, where the latest model report is kept. */
  readonly artifactsBucket: s3.IBucket;
}

/** Endpoint alarms now; state machine alarms and the dashboard once the state machines exist. */
export class Monitoring extends Construct {
  /** Invocation 5xx errors on the endpoint (rollback trigger). */
  readonly endpoint5xxAlarm: cloudwatch.Alarm;
  /** p99 model latency on the endpoint (rollback trigger). */
  readonly endpointLatencyAlarm: cloudwatch.Alarm;
  private readonly props: MonitoringProps;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.props = props;
    const { config } = props;
    this.endpoint5xxAlarm = new cloudwatch.Alarm(this, 'Endpoint5xxAlarm', {
      alarmName: `${config.projectName}-endpoint-5xx`,
      alarmDescription: `Invocation 5xx errors on ${config.endpointName}; rolls a blue/green update back`,
      metric: this.endpointMetric('Invocation5XXErrors', 'Sum'),
      threshold: config.rollback5xxCount,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.endpointLatencyAlarm = new cloudwatch.Alarm(this, 'EndpointLatencyAlarm', {
      alarmName: `${config.projectName}-endpoint-latency`,
      alarmDescription: `p99 ModelLatency on ${config.endpointName} above ${config.rollbackLatencyMs} ms; rolls a blue/green update back`,
      metric: this.endpointMetric('ModelLatency', 'p99'),
      threshold: config.rollbackLatencyMs * 1000, // ModelLatency is in microseconds
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [this.endpoint5xxAlarm, this.endpointLatencyAlarm])
      alarm.addAlarmAction(new actions.SnsAction(props.topic));
  }

  /** A per-minute metric of the endpoint's production variant. */
  endpointMetric(metricName: string, statistic: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/SageMaker',
      metricName,
      dimensionsMap: { EndpointName: this.props.config.endpointName, VariantName: VARIANT_NAME },
      statistic,
      period: Duration.minutes(1),
    });
  }

  /** A link to the latest training run's model report (the bucket is private: the console opens it). */
  private reportWidget(): cloudwatch.TextWidget {
    const bucket = this.props.artifactsBucket.bucketName;
    const console = `https://console.aws.amazon.com/s3/object/${bucket}?region=${Aws.REGION}&prefix=${ReportKeys.latest}`;
    return new cloudwatch.TextWidget({
      width: 24,
      height: 2,
      markdown:
        `**Model report of the latest training run:** [open in the S3 console](${console}) (then Open) · ` +
        `\`s3://${bucket}/${ReportKeys.latest}\` · each run's report: \`runs/<execution name>/${ReportKeys.run}\``,
    });
  }

  /** Failed-execution alarms and the dashboard. */
  watch(training: sfn.StateMachine, batch: sfn.StateMachine): cloudwatch.Dashboard {
    const { config, topic } = this.props;
    const failedAlarms = [
      ['Training', training],
      ['Batch', batch],
    ].map(([label, sm]) => {
      const machine = sm as sfn.StateMachine;
      const alarm = new cloudwatch.Alarm(this, `${label}FailedAlarm`, {
        alarmName: `${config.projectName}-${String(label).toLowerCase()}-executions-failed`,
        alarmDescription: `A ${String(label).toLowerCase()} pipeline execution failed, timed out or was aborted`,
        metric: new cloudwatch.MathExpression({
          expression: 'failed + timedOut + aborted',
          usingMetrics: {
            failed: machine.metricFailed({ period: Duration.minutes(5) }),
            timedOut: machine.metricTimedOut({ period: Duration.minutes(5) }),
            aborted: machine.metricAborted({ period: Duration.minutes(5) }),
          },
          period: Duration.minutes(5),
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(new actions.SnsAction(topic));
      return alarm;
    });

    const executions = (title: string, sm: sfn.StateMachine) =>
      new cloudwatch.GraphWidget({
        title,
        width: 12,
        left: [sm.metricStarted(), sm.metricSucceeded(), sm.metricFailed(), sm.metricTimedOut()],
      });
    const gate = gateMetricNames(config.evalK);
    const perRun = (metric: string) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('{/aws/sagemaker/TrainingJobs,Host} MetricName="${metric}"', 'Maximum', 3600)`,
        label: metric,
        period: Duration.hours(1),
      });
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: `${config.projectName}-recommender` });
    dashboard.addWidgets(this.reportWidget());
    dashboard.addWidgets(
      executions('Training pipeline executions', training),
      executions('Batch recommendation executions', batch),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `Training metrics per run: ${gate.metric} vs baseline and the live model`,
        width: 12,
        left: [perRun(gate.metric), perRun(gate.baseline), perRun(gate.champion)],
      }),
      new cloudwatch.GraphWidget({
        title: 'Training loss and throughput per run',
        width: 12,
        left: [perRun('train_loss')],
        right: [perRun('samples_per_second')],
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Endpoint invocations', width: 8, left: [this.endpointMetric('Invocations', 'Sum')] }),
      new cloudwatch.GraphWidget({
        title: 'Endpoint model latency (microseconds)',
        width: 8,
        left: [this.endpointMetric('ModelLatency', 'p50'), this.endpointMetric('ModelLatency', 'p99')],
      }),
      new cloudwatch.GraphWidget({
        title: 'Endpoint errors',
        width: 8,
        left: [this.endpointMetric('Invocation4XXErrors', 'Sum'), this.endpointMetric('Invocation5XXErrors', 'Sum')],
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        width: 24,
        alarms: [...failedAlarms, this.endpoint5xxAlarm, this.endpointLatencyAlarm],
      }),
    );
    return dashboard;
  }
}
