/**
 * The one place that names what the state machines expose: state names, error names, output
 * fields, resource name prefixes and CloudFormation output keys. The local runner (local/) binds
 * its stand-ins to Task states by these names and reads executions' outputs by these fields. Each
 * name is defined once, in the file of its theme; everything imports them from here.
 */
export * from './states';
export * from './execution';
export * from './registry';
export * from './resources';
