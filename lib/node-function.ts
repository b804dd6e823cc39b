/** The project's Node.js Lambdas, one way: bundled locally with esbuild, arm64, own role and log group. */
import * as path from 'path';
import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { NativeBundling } from './native-bundling';
import { PROJECT_ROOT } from './project-root';

/**
 * A Node.js Lambda from lambda/<name>/index.ts with its own role and log group (no managed policies);
 * `native` keeps native modules out of the bundle and installs them for the function's platform.
 */
export function nodeFunction(
  scope: Construct,
  id: string,
  name: string,
  memorySize: number,
  timeout: Duration,
  retention: logs.RetentionDays,
  ephemeralStorageSize?: Size,
  native?: NativeBundling,
): lambda.Function {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention, removalPolicy: RemovalPolicy.RETAIN });
  const role = new iam.Role(scope, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  logGroup.grantWrite(role);
  return new nodejs.NodejsFunction(scope, id, {
    entry: path.join(PROJECT_ROOT, 'lambda', name, 'index.ts'),
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: native?.architecture ?? lambda.Architecture.ARM_64,
    memorySize,
    timeout,
    ephemeralStorageSize,
    role,
    logGroup,
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
    bundling: {
      forceDockerBundling: false,
      externalModules: [],
      minify: true,
      keepNames: true,
      sourceMap: false,
      target: 'node24',
      ...native?.bundling,
    },
  });
}
