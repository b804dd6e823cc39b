/**
 * cdk-nag acknowledgements: every finding that remains by design, acknowledged on the construct
 * that owns it, each with a one-line reason. Finding ids are exact (built from the same ARNs the
 * policies use), so a new wildcard anywhere else still fails synth.
 */
import { ArnFormat, CfnElement, Validations } from 'aws-cdk-lib';
import { AwsCustomResource } from 'aws-cdk-lib/custom-resources';
// cdk-nag names an IAM5 finding by this function's rendering of the resource (its rule imports it
// from here too), so acknowledgements built with it match the findings exactly.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { IConstruct } from 'constructs';
import { ATHENA_RESULTS } from '../lambda/prepare-data/options';
import { ArtifactPrefixes, AthenaKeys, ReportKeys, resourceNames } from './pipeline-names';
import { PipelineStack } from './pipeline-stack';
import { modelPackageArns, sagemakerArn, sagemakerLogGroupArn } from './task-helpers';
import { REGISTRY_KEYS } from '../lambda/promote-artifacts/promote';

/** Acknowledges the remaining findings of the pipeline stack. */
export function acknowledgeFindings(stack: PipelineStack, projectName: string): void {
  const names = resourceNames(projectName);
  const id = (resource: string) => `AwsSolutions-IAM5[Resource::${flattenCfnReference(stack.resolve(resource))}]`;
  const ack = (scope: IConstruct, findings: Array<[string, string]>) => {
    for (const [finding, reason] of findings) Validations.of(scope).acknowledge({ id: finding, reason });
  };
  const star = 'AwsSolutions-IAM5[Resource::*]';
  const noResourceLevel = 'Only actions without resource-level permissions use "*":';

  const objects = (prefix: string) => id(stack.artifactsBucket.arnForObjects(`${prefix}*`));
  const { runs, batch, registry } = ArtifactPrefixes;
  const [, versions] = modelPackageArns(stack, stack.registry.groupName);
  ack(stack.sagemakerRole, [
    [objects(runs), 'SageMaker reads channels and writes models under runs/, one folder per execution.'],
    [
      objects(registry),
      "Registered versions' models (deployed, or measured as champion) and batch input are read from registry/<run>/, one folder per version.",
    ],
    [objects(batch), 'Batch transform output goes under batch/<date>/<execution>/.'],
    [id(sagemakerLogGroupArn(stack)), 'SageMaker jobs and endpoints log to groups under /aws/sagemaker/ named per job.'],
    [star, `${noResourceLevel} ecr:GetAuthorizationToken, and cloudwatch:PutMetricData limited to /aws/sagemaker/* namespaces.`],
  ]);
  ack(stack.functions.prepareFunction.role!, [
    [id(stack.rawBucket.arnForObjects('*')), 'The execution input may name any object of the raw-data bucket; read only.'],
    [objects(runs), 'Prepared data is written under runs/<execution>/data/, known only at run time.'],
    [
      id(stack.artifactsBucket.arnForObjects(`${AthenaKeys.work}*/${ATHENA_RESULTS}/*`)),
      "The publish step reads its run's Athena results under athena/work/<execution>/results/, known only at run time.",
    ],
  ]);
  ack(stack.functions.promoteFunction.role!, [
    [objects(runs), "A run's model, batch input and catalog are read from runs/<execution>/, known only at run time."],
    [objects(registry), 'Copies are written to registry/<run>/, one folder per registered version.'],
  ]);
  ack(stack.functions.registerFunction.role!, [
    [
      id(stack.artifactsBucket.arnForObjects(`${registry}*/${REGISTRY_KEYS.quality}`)),
      "Writes only each version's model-quality document, registry/<run>/model-quality.json.",
    ],
    [id(versions), "Creates versions of the project's model package group only; version numbers are SageMaker's."],
  ]);
  ack(stack.functions.pruneFunction.role!, [
    [
      id(sagemakerArn(stack, 'model', `${names.modelPrefix}*`)),
      'Only pipeline models (this prefix) beyond keepModels and not in use are deleted.',
    ],
    [
      id(sagemakerArn(stack, 'endpoint-config', `${names.endpointConfigPrefix}*`)),
      'Only pipeline endpoint configurations (this prefix) beyond keepModels and not in use are described or deleted.',
    ],
    [star, `${noResourceLevel} sagemaker:ListModels and sagemaker:ListEndpointConfigs.`],
  ]);

  ack(stack.functions.reportFunction.role!, [
    [
      id(stack.artifactsBucket.arnForObjects(`${runs}*/output/output.tar.gz`)),
      "Reads only training jobs' output archives, under runs/<execution>/model/<job>/ known at run time.",
    ],
    [
      id(stack.artifactsBucket.arnForObjects(`${runs}*/${ReportKeys.run}`)),
      'Writes only the report of each run, runs/<execution>/report.html.',
    ],
  ]);

  const training: Array<[string, string]> = [
    [
      id(sagemakerArn(stack, 'training-job', `${names.trainingJobPrefix}*`)),
      'Training job names are unique per execution (States.UUID) under this prefix.',
    ],
    [
      id(sagemakerArn(stack, 'hyper-parameter-tuning-job', `${names.tuningJobPrefix}*`)),
      'Tuning job names are unique per execution (the first 12 digits of its States.UUID) under this prefix.',
    ],
    [
      id(sagemakerArn(stack, 'training-job', `${names.tuningJobPrefix}*`)),
      "A tuning job's trials are named after it by SageMaker; only the best one is described.",
    ],
    [
      id(sagemakerArn(stack, 'model', `${names.modelPrefix}*`)),
      'Model names are unique per execution (States.UUID) under this prefix.',
    ],
    [
      id(sagemakerArn(stack, 'endpoint-config', `${names.endpointConfigPrefix}*`)),
      'Endpoint configuration names are unique per execution under this prefix.',
    ],
    [star, `${noResourceLevel} X-Ray tracing and CloudWatch Logs delivery of the state machine.`],
    [
      id(stack.formatArn({ service: 'glue', resource: 'database', resourceName: `${names.athenaDatabasePrefix}*` })),
      "Each run's Glue database is named per execution (States.UUID) under this prefix, and dropped after the run.",
    ],
    [
      id(stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${names.athenaDatabasePrefix}*/*` })),
      "The tables of each run's Glue database (created by the run's Athena statements).",
    ],
    [id(stack.rawBucket.arnForObjects('*')), 'Athena reads the raw object or prefix the execution input names; read only.'],
    [
      id(stack.artifactsBucket.arnForObjects(`${AthenaKeys.prefix}*`)),
      "Athena writes query results and each run's scratch tables under athena/, expired by a lifecycle rule.",
    ],
  ];
  training.push([
    id(
      stack.formatArn({
        service: 'states',
        resource: 'execution',
        resourceName: `${names.trainingStateMachine}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    ),
    "DescribeExecution of the deployment lock's holder, an execution of this state machine named at run time.",
  ]);
  const invokeGrant = (fn: IConstruct): [string, string] => [
    `AwsSolutions-IAM5[Resource::<${stack.resolve(stack.getLogicalId(fn.node.defaultChild as CfnElement))}.Arn>:*]`,
    "lambda:InvokeFunction on the function's versions and aliases (added by LambdaInvoke).",
  ];
  training.push([
    id(versions),
    "DescribeModelPackage and CreateModel of the project's model package group's versions only (the deploy-only entry).",
  ]);
  const { validateFunction, prepareFunction, reportFunction, gateFunction, promoteFunction, registerFunction, pruneFunction } =
    stack.functions;
  for (const fn of [
    validateFunction,
    prepareFunction,
    reportFunction,
    gateFunction,
    promoteFunction,
    registerFunction,
    pruneFunction,
  ]) {
    training.push(invokeGrant(fn));
  }
  ack(stack.training.stateMachine.role, training);
  ack(stack.batch.stateMachine.role, [
    [
      id(sagemakerArn(stack, 'transform-job', `${names.transformJobPrefix}*`)),
      'Transform job names are unique per execution under this prefix.',
    ],
    [
      id(sagemakerArn(stack, 'model', `${names.modelPrefix}*`)),
      'The batch pipeline runs whichever pipeline model is recorded as deployed.',
    ],
    [star, `${noResourceLevel} X-Ray tracing and CloudWatch Logs delivery of the state machine.`],
    invokeGrant(validateFunction),
  ]);

  // startTrainingOnDeploy: the AwsCustomResource provider (one function per stack) logs with AWS's basic execution policy.
  const provider = stack.node.tryFindChild(`AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
  if (provider) {
    ack(provider.node.findChild('ServiceRole'), [
      [
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        "CDK's custom-resource provider writes its own logs with AWSLambdaBasicExecutionRole; it only starts the first training execution.",
      ],
    ]);
  }
}
