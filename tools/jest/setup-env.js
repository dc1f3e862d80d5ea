const { devNull } = require('node:os');

// The AWS SDK warns once per process that its releases after January 2027
// need Node.js 22; the tests run on Node.js 20 and the warning is noise there.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// Tests install Python packages only from wheels they make, so the machine's
// pip settings (extra indexes, find-links, constraints) must not reach pip.
for (const name of Object.keys(process.env)) {
  if (name.startsWith('PIP_')) {
    delete process.env[name];
  }
}
process.env.PIP_CONFIG_FILE = devNull;

// Nx colours its output when CI is set, even without a terminal; the
// end-to-end tests read that output as plain text.
process.env.NO_COLOR = '1';
process.env.FORCE_COLOR = '0';
