module.exports = {
  displayName: 'nx-lambda-layers',
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/../../tools/jest/setup-env.js'],
  setupFilesAfterEnv: ['<rootDir>/setup-timeout.js'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testTimeout: 60000,
};
