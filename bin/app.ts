#!/usr/bin/env node
/** CDK app entry (cdk.json: "npx tsx bin/app.ts"). Options come from cdk.json context; see README.md, "Deploying on AWS". */
import { App } from 'aws-cdk-lib';
import { createPipelineApp } from '../lib/app';

if (require.main === module) {
  const app = new App();
  createPipelineApp(app);
  app.synth();
}
