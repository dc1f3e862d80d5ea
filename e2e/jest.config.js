module.exports = {
  displayName: 'e2e',
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/../tools/jest/setup-env.js'],
  setupFilesAfterEnv: ['<rootDir>/setup-timeout.js'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/**/*.spec.ts'],
  testTimeout: 600000,
};
