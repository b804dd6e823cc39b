/**
 * Every path the container uses, resolved from one base directory (SageMaker's /opt/ml),
 * overridable with SAGEMAKER_BASE_DIR so that tests and the local pipeline can lay one out anywhere.
 */
import * as path from 'node:path';

export const BASE_DIR_ENV = 'SAGEMAKER_BASE_DIR';
export const DEFAULT_BASE_DIR = '/opt/ml';
/** Port override for `serve` (SageMaker's own variable name). */
export const PORT_ENV = 'SAGEMAKER_BIND_TO_PORT';
export const DEFAULT_PORT = 8080;
/** Names the training job (SageMaker sets it in the training container; so does the local stand-in). */
export const TRAINING_JOB_NAME_ENV = 'TRAINING_JOB_NAME';
/** The model report's file name in output/data/ and model/, and of its published copy in S3. */
export const REPORT_FILE = 'report.html';

export interface ContainerPaths {
  readonly base: string;
  readonly hyperparameters: string;
  readonly inputDataConfig: string;
  readonly resourceConfig: string;
  /** Folder of one input channel. */
  channel(name: string): string;
  readonly model: string;
  readonly output: string;
  readonly outputData: string;
  readonly failure: string;
}

export function containerPaths(env: NodeJS.ProcessEnv = process.env): ContainerPaths {
  const base = path.resolve(env[BASE_DIR_ENV] || DEFAULT_BASE_DIR);
  const config = path.join(base, 'input', 'config');
  return {
    base,
    hyperparameters: path.join(config, 'hyperparameters.json'),
    inputDataConfig: path.join(config, 'inputdataconfig.json'),
    resourceConfig: path.join(config, 'resourceconfig.json'),
    channel: (name: string) => path.join(base, 'input', 'data', name),
    model: path.join(base, 'model'),
    output: path.join(base, 'output'),
    outputData: path.join(base, 'output', 'data'),
    failure: path.join(base, 'output', 'failure'),
  };
}
