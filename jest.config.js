const os = require('node:os');

/** @type {import('jest').Config} */
module.exports = {
  // Two workers even on two cores: the slow suites wait on child processes much of the time.
  maxWorkers: Math.max(2, os.cpus().length - 1),
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  modulePathIgnorePatterns: ['<rootDir>/cdk.out', '<rootDir>/container/dist', '<rootDir>/.local'],
  testTimeout: 120000,
};
