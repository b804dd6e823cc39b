/** The repository root, where container/, lambda/, cdk.json and package-lock.json live. */
import * as path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..');
