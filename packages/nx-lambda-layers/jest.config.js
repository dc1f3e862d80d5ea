module.exports = {
  displayName: 'nx-lambda-layers',
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/../../tools/**/*.spec.ts'],
  testTimeout: 60000,
};
