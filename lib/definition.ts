/**
 * Reads a state machine's ASL definition out of a synthesized template: its DefinitionString is an
 * Fn::Join of literals and Ref/GetAtt/Fn::Sub tokens. The local runner and the tests use this.
 */

/** Values used for pseudo parameters unless the caller gives others. */
export const PSEUDO_DEFAULTS: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
  'AWS::URLSuffix': 'amazonaws.com',
};

type Cfn = string | { [key: string]: unknown };

/**
 * Flattens a CloudFormation value to a string. `values` maps a Ref name (`MyBucket`,
 * `AWS::Region`) or a GetAtt (`MyRole.Arn`) to its value; unknown ones become `<name>`.
 */
export function flattenCfn(value: unknown, values: Record<string, string> = {}): string {
  const lookup = (key: string) => values[key] ?? PSEUDO_DEFAULTS[key] ?? `<${key}>`;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const v = value as Record<string, unknown>;
  if (v && 'Fn::Join' in v) {
    const [sep, parts] = v['Fn::Join'] as [string, Cfn[]];
    return parts.map((p) => flattenCfn(p, values)).join(sep);
  }
  if (v && 'Ref' in v) return lookup(String(v.Ref));
  if (v && 'Fn::GetAtt' in v) {
    const att = v['Fn::GetAtt'];
    return lookup(Array.isArray(att) ? att.join('.') : String(att));
  }
  if (v && 'Fn::Sub' in v) {
    const sub = v['Fn::Sub'];
    const text = Array.isArray(sub) ? String(sub[0]) : String(sub);
    return text.replace(/\$\{([^}]+)\}/g, (_, key: string) => lookup(key));
  }
  throw new Error(`cannot flatten CloudFormation value ${JSON.stringify(value).slice(0, 200)}`);
}

/** A CloudFormation template, as synthesized. */
export interface CfnTemplate {
  readonly Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/** Parses the ASL definition of the AWS::StepFunctions::StateMachine with the given logical id. */
export function stateMachineDefinition(template: CfnTemplate, logicalId: string, values: Record<string, string> = {}): any {
  const resource = template.Resources[logicalId];
  if (!resource || resource.Type !== 'AWS::StepFunctions::StateMachine') {
    throw new Error(`no AWS::StepFunctions::StateMachine with logical id ${logicalId} in the template`);
  }
  return JSON.parse(flattenCfn(resource.Properties?.DefinitionString, values));
}
