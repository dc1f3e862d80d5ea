/** Runs every project's tests: `npm test`. */
module.exports = {
  projects: ['<rootDir>/packages/nx-lambda-layers', '<rootDir>/e2e'],
  reporters: ['default', '<rootDir>/tools/jest/summary-reporter.js'],
};
