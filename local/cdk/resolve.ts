/**
 * Resolves the CloudFormation intrinsics in a synthesized template (Ref, Fn::GetAtt, Fn::Join,
 * Fn::Sub, Fn::ImportValue, Fn::Select, Fn::Split) to local values: bucket names of the local S3,
 * fake ARNs for Lambda functions, roles, topics and state machines. Only what a state machine
 * definition can contain needs resolving; anything else fails with a named error.
 */
import { UnresolvableTokenError } from '../errors';

/** A synthesized CloudFormation template (the parts the local run reads). */
export interface Template {
  Resources?: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
  Parameters?: Record<string, { Default?: unknown }>;
}

/** Account, region and every stack's template: what intrinsics resolve against. */
export interface ResolveEnv {
  readonly region: string;
  readonly account: string;
  /** Every stack's template by stack name (for Fn::ImportValue). */
  readonly templates: ReadonlyMap<string, Template>;
}

/** A valid S3 bucket name derived from a logical id (the local S3 creates it). */
export function localBucketName(logicalId: string): string {
  const name = logicalId
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '')
    .slice(0, 63);
  return name.length >= 3 ? name : `${name}bucket`;
}

/** Resolves the intrinsics of one stack's template to local values. */
export class TemplateResolver {
  constructor(
    private readonly env: ResolveEnv,
    private readonly stackName: string,
  ) {}

  private get template(): Template {
    return this.env.templates.get(this.stackName)!;
  }

  private resource(logicalId: string) {
    const r = this.template.Resources?.[logicalId];
    if (!r) throw new UnresolvableTokenError(`a reference to ${logicalId} (no such resource in ${this.stackName})`);
    return r;
  }

  /** A literal name property of a resource, when the template sets one. */
  private literalName(logicalId: string, prop: string): string | undefined {
    const value = this.resource(logicalId).Properties?.[prop];
    if (value === undefined) return undefined;
    const resolved = this.resolve(value);
    return typeof resolved === 'string' ? resolved : undefined;
  }

  physicalName(logicalId: string): string {
    const type = this.resource(logicalId).Type;
    const { region, account } = this.env;
    switch (type) {
      case 'AWS::S3::Bucket':
        return this.literalName(logicalId, 'BucketName') ?? localBucketName(logicalId);
      case 'AWS::Lambda::Function':
        return this.literalName(logicalId, 'FunctionName') ?? logicalId;
      case 'AWS::SSM::Parameter':
        return this.literalName(logicalId, 'Name') ?? logicalId;
      case 'AWS::DynamoDB::Table':
        return this.literalName(logicalId, 'TableName') ?? logicalId;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${region}:${account}:${this.literalName(logicalId, 'TopicName') ?? logicalId}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:aws:states:${region}:${account}:stateMachine:${this.literalName(logicalId, 'StateMachineName') ?? logicalId}`;
      case 'AWS::IAM::Role':
        return this.literalName(logicalId, 'RoleName') ?? logicalId;
      case 'AWS::CloudWatch::Alarm':
        return this.literalName(logicalId, 'AlarmName') ?? logicalId;
      case 'AWS::SQS::Queue':
        return `https://sqs.${region}.amazonaws.com/${account}/${logicalId}`;
      default:
        return this.literalName(logicalId, 'Name') ?? logicalId;
    }
  }

  private getAtt(logicalId: string, attr: string): string {
    const type = this.resource(logicalId).Type;
    const name = this.physicalName(logicalId);
    const { region, account } = this.env;
    if (attr === 'Arn' || attr === 'TopicArn') {
      switch (type) {
        case 'AWS::S3::Bucket':
          return `arn:aws:s3:::${name}`;
        case 'AWS::Lambda::Function':
          return `arn:aws:lambda:${region}:${account}:function:${name}`;
        case 'AWS::IAM::Role':
          return `arn:aws:iam::${account}:role/${name}`;
        case 'AWS::SNS::Topic':
        case 'AWS::StepFunctions::StateMachine':
          return name;
        case 'AWS::SSM::Parameter':
          return `arn:aws:ssm:${region}:${account}:parameter/${name.replace(/^\//, '')}`;
        case 'AWS::CloudWatch::Alarm':
          return `arn:aws:cloudwatch:${region}:${account}:alarm:${name}`;
        default:
          return `arn:aws:local:${region}:${account}:${type.split('::').slice(1).join('-').toLowerCase()}/${name}`;
      }
    }
    if (type === 'AWS::S3::Bucket' && /DomainName$/.test(attr)) return `${name}.s3.amazonaws.com`;
    if (attr === 'Name' || attr === 'TopicName' || attr.endsWith('Name')) return name;
    throw new UnresolvableTokenError(`Fn::GetAtt ${logicalId}.${attr}`);
  }

  private ref(name: string): unknown {
    switch (name) {
      case 'AWS::Region':
        return this.env.region;
      case 'AWS::AccountId':
        return this.env.account;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.stackName;
      case 'AWS::StackId':
        return `arn:aws:cloudformation:${this.env.region}:${this.env.account}:stack/${this.stackName}/00000000-0000-0000-0000-000000000000`;
      case 'AWS::NoValue':
        return undefined;
    }
    const param = this.template.Parameters?.[name];
    if (param) {
      if (param.Default === undefined) throw new UnresolvableTokenError(`parameter ${name} (no default)`);
      return param.Default;
    }
    return this.physicalName(name);
  }

  private importValue(exportName: string): unknown {
    for (const [stack, template] of this.env.templates) {
      const sub = new TemplateResolver(this.env, stack);
      for (const output of Object.values(template.Outputs ?? {})) {
        if (output.Export && sub.resolve(output.Export.Name) === exportName) return sub.resolve(output.Value);
      }
    }
    throw new UnresolvableTokenError(`Fn::ImportValue ${exportName}`);
  }

  private sub(template: string, vars: Record<string, unknown>): string {
    return template.replace(/\$\{([^}!]+)\}/g, (_, key: string) => {
      if (key in vars) return String(this.resolve(vars[key]));
      const dot = key.indexOf('.');
      return String(dot > 0 && !key.startsWith('AWS::') ? this.getAtt(key.slice(0, dot), key.slice(dot + 1)) : this.ref(key));
    });
  }

  /** Resolves every intrinsic inside value. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (!value || typeof value !== 'object') return value;
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1) {
      const [key] = keys;
      const arg = obj[key];
      switch (key) {
        case 'Ref':
          return this.ref(String(arg));
        case 'Fn::GetAtt': {
          const [id, attr] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/);
          return this.getAtt(String(id), String(attr));
        }
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, unknown[]];
          return (this.resolve(parts) as unknown[]).join(sep);
        }
        case 'Fn::Sub':
          return Array.isArray(arg)
            ? this.sub(String(arg[0]), (arg[1] ?? {}) as Record<string, unknown>)
            : this.sub(String(arg), {});
        case 'Fn::ImportValue':
          return this.importValue(String(this.resolve(arg)));
        case 'Fn::Select': {
          const [index, list] = arg as [unknown, unknown];
          return (this.resolve(list) as unknown[])[Number(this.resolve(index))];
        }
        case 'Fn::Split': {
          const [sep, source] = arg as [string, unknown];
          return String(this.resolve(source)).split(sep);
        }
      }
      if (key.startsWith('Fn::')) throw new UnresolvableTokenError(key);
    }
    return Object.fromEntries(keys.map((k) => [k, this.resolve(obj[k])]));
  }
}
