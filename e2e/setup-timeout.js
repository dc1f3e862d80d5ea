// Each test drives the real nx CLI, pip and the emulator: minutes, not seconds.
// Set here because Jest reads `testTimeout` only from the root configuration.
jest.setTimeout(600000);
