// Tests run real pip and a local AWS emulator. Set here because Jest reads
// `testTimeout` only from the root configuration.
jest.setTimeout(120000);
