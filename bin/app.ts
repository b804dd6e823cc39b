#!/usr/bin/env node
/** CDK app entry (cdk.json: "npx tsx bin/app.ts"). Options come from cdk.json context; see README.md, "Deploying on AWS". */
import { App } from 'aws-cdk-lib';
import { createPipelineApp } from '../lib/app';
import { ConfigError } from '../lib/errors';

if (require.main === module) {
  try {
    const app = new App();
    createPipelineApp(app);
    app.synth();
  } catch (err) {
    // A bad option is the operator's to fix: its messages only, no stack trace or source excerpt.
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
  }
}
