/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }],
  },
  modulePathIgnorePatterns: ['<rootDir>/cdk.out', '<rootDir>/container/dist', '<rootDir>/.local'],
  testTimeout: 120000,
};
