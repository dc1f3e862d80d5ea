/**
 * Starts and stops a local AWS emulator (moto's server) on 127.0.0.1 for
 * tests, the demo and manual runs. Every AWS SDK v3 client honours
 * `AWS_ENDPOINT_URL`, so exporting `Emulator.env` points the code at the
 * emulator with no special code path.
 *
 * CLI: `node -r @swc-node/register tools/emulator/emulator.ts [--port N]`
 * starts one, prints the variables to export, and stops it on SIGINT or
 * SIGTERM.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HOST = '127.0.0.1';
const DEFAULT_COMMAND = 'moto_server';
/** Time allowed for the server to respond to its first HTTP request, in ms. */
const START_TIMEOUT_MS = 30_000;
/** Time between SIGTERM and SIGKILL when stopping, in ms. */
const STOP_GRACE_MS = 5_000;
const LOG_TAIL_LINES = 20;

export interface EmulatorOptions {
  /** TCP port on 127.0.0.1. @default a free port chosen by the OS */
  port?: number;
  /**
   * File that receives the server's stdout and stderr.
   * @default a new file in the OS temp folder
   */
  logFile?: string;
  /** Time allowed for the server to start responding, in ms. @default 30000 */
  startTimeoutMs?: number;
  /** Server executable, looked up on PATH. @default 'moto_server' */
  command?: string;
}

export interface Emulator {
  /** Base URL, for example `http://127.0.0.1:40123`. */
  endpoint: string;
  port: number;
  pid: number;
  logFile: string;
  /** Variables that point AWS SDKs and the AWS CLI at the emulator. */
  env: Record<string, string>;
  /** Stops the server (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
}

/**
 * Starts `moto_server` on 127.0.0.1 and resolves once it responds to HTTP.
 * Rejects when `moto_server` is not installed, exits early, or does not
 * respond within `startTimeoutMs`. The error shows the end of its log.
 */
export async function startEmulator(
  options: EmulatorOptions = {},
): Promise<Emulator> {
  const port = options.port ?? (await findFreePort());
  await assertPortFree(port);
  const logFile =
    options.logFile ?? join(tmpdir(), `moto-server-${port}-${Date.now()}.log`);
  const command = options.command ?? DEFAULT_COMMAND;
  const child = spawnServer(command, port, logFile);
  const endpoint = `http://${HOST}:${port}`;

  let spawnFailure: string | undefined;
  child.once('error', (error: NodeJS.ErrnoException) => {
    spawnFailure = describeSpawnError(command, error);
  });
  child.once('exit', (code, signal) => {
    spawnFailure ??= `${command} exited early (code ${code}, signal ${signal})`;
  });
  const timeoutMs = options.startTimeoutMs ?? START_TIMEOUT_MS;
  const failure = await waitUntilAnswering(endpoint, timeoutMs, () => {
    return spawnFailure;
  });
  if (failure !== undefined) {
    await stopProcess(child);
    throw new Error(`${failure}\n${readLogTail(logFile)}`);
  }

  return {
    endpoint,
    port,
    pid: child.pid as number,
    logFile,
    env: emulatorEnv(endpoint),
    stop: () => stopProcess(child),
  };
}

/** Environment for SDK calls against `endpoint` with dummy credentials. */
export function emulatorEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Rejects when `port` on 127.0.0.1 is taken, because the readiness check
 * would then reach the other server.
 */
function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          `port ${port} on ${HOST} is not available (${error.code}), so ` +
            'pick another port or omit it to get a free one',
        ),
      );
    });
    server.listen(port, HOST, () => server.close(() => resolve()));
  });
}

function spawnServer(command: string, port: number, logFile: string) {
  const log = openSync(logFile, 'a');
  try {
    return spawn(command, ['-H', HOST, '-p', String(port)], {
      stdio: ['ignore', log, log],
    });
  } finally {
    closeSync(log);
  }
}

function describeSpawnError(
  command: string,
  error: NodeJS.ErrnoException,
): string {
  if (error.code === 'ENOENT') {
    return (
      `${command} not found on PATH. Install it with ` +
      `\`pip install 'moto[server]'\` and check that \`${command} --help\` runs`
    );
  }
  return `failed to start ${command}: ${error.message}`;
}

/**
 * Polls `endpoint` until it responds to HTTP. Resolves undefined on success, or
 * an error message on timeout or when `checkFailure` returns one.
 */
async function waitUntilAnswering(
  endpoint: string,
  timeoutMs: number,
  checkFailure: () => string | undefined,
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const failure = checkFailure();
    if (failure !== undefined) return failure;
    if (await respondsToHttp(`${endpoint}/moto-api/`)) return checkFailure();
    await sleep(100);
  }
  const timedOut = `${endpoint} did not respond to HTTP within ${timeoutMs} ms`;
  return checkFailure() ?? timedOut;
}

function respondsToHttp(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode !== undefined);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

/**
 * Sends SIGTERM to the child's PID, then SIGKILL if it has not exited after
 * the grace period. Resolves once the child has exited.
 */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || hasExited(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', resolve));
  process.kill(child.pid, 'SIGTERM');

  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), STOP_GRACE_MS);
  });
  const outcome = await Promise.race([exited, graceOver]);
  clearTimeout(timer);
  if (outcome !== 'timeout') return;

  if (!hasExited(child)) process.kill(child.pid, 'SIGKILL');
  await exited;
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function readLogTail(logFile: string): string {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return `(no log at ${logFile})`;
  }
  const lines = text.trimEnd().split('\n').slice(-LOG_TAIL_LINES);
  return `last lines of ${logFile}:\n${lines.join('\n')}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main(argv: string[]): Promise<void> {
  const portIndex = argv.indexOf('--port');
  const port = portIndex >= 0 ? Number(argv[portIndex + 1]) : undefined;
  if (port !== undefined && !Number.isInteger(port)) {
    const given = argv[portIndex + 1];
    throw new Error(`invalid --port ${given}: expected an integer`);
  }
  const emulator = await startEmulator({ port });

  console.log(`moto_server at ${emulator.endpoint} (pid ${emulator.pid})`);
  console.log(`log: ${emulator.logFile}`);
  console.log('export these in another shell:');
  for (const [name, value] of Object.entries(emulator.env)) {
    console.log(`export ${name}=${value}`);
  }
  console.log('press Ctrl+C to stop');

  const shutdown = () => {
    emulator.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
