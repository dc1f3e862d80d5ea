/**
 * Jest helpers for specs that call AWS through the local emulator. Import
 * them only from spec files: they register Jest hooks.
 */
import { logger } from '@nx/devkit';
import { type Emulator, startEmulator } from './emulator';

/** Variables that would send SDK calls elsewhere than the emulator. */
const CLEARED_VARIABLES = [
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_SESSION_TOKEN',
  'AWS_DEFAULT_REGION',
  'AWS_ENDPOINT_URL_S3',
  'AWS_ENDPOINT_URL_LAMBDA',
  'AWS_ENDPOINT_URL_SSM',
  'AWS_ENDPOINT_URL_STS',
  'AWS_ENDPOINT_URL_CLOUDFORMATION',
];

/**
 * Starts an emulator before the spec file's tests and stops it after them.
 * While it runs, `process.env` points every AWS SDK client at it with dummy
 * credentials. Returns a getter for the running emulator.
 */
export function useEmulator(): () => Emulator {
  let emulator: Emulator | undefined;
  const saved = new Map<string, string | undefined>();

  beforeAll(async () => {
    emulator = await startEmulator();
    for (const name of [...CLEARED_VARIABLES, ...Object.keys(emulator.env)]) {
      saved.set(name, process.env[name]);
      delete process.env[name];
    }
    Object.assign(process.env, emulator.env);
  }, 60_000);

  afterAll(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await emulator?.stop();
  });

  return () => {
    if (!emulator) throw new Error('the emulator has not started yet');
    return emulator;
  };
}

/** Any SDK v3 client: its `send` takes a command object. */
interface SendingClient {
  send(command: object, ...rest: never[]): Promise<unknown>;
}

/**
 * Wraps the real client's `send` so every command name it sends
 * (`PublishLayerVersionCommand`, ...) is appended to the returned list. The
 * calls still go to the client unchanged.
 */
export function recordCommands(client: object): string[] {
  const sent: string[] = [];
  const target = client as SendingClient;
  const send = target.send.bind(target);
  target.send = (command: object, ...rest: never[]) => {
    sent.push(command.constructor.name);
    return send(command, ...rest);
  };
  return sent;
}

/**
 * Captures `logger.info`, `logger.warn` and `logger.error` from @nx/devkit
 * for each test of the enclosing block. Returns the lines of the current
 * test, each prefixed with its level.
 */
export function captureLogs(): string[] {
  const lines: string[] = [];
  const spies: jest.SpyInstance[] = [];

  beforeEach(() => {
    lines.length = 0;
    for (const level of ['info', 'warn', 'error'] as const) {
      const spy = jest
        .spyOn(logger, level)
        .mockImplementation((...args: unknown[]) => {
          lines.push(`${level}: ${args.map(String).join(' ')}`);
        });
      spies.push(spy);
    }
  });

  afterEach(() => {
    for (const spy of spies.splice(0)) spy.mockRestore();
  });

  return lines;
}
