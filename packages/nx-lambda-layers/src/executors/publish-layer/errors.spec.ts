import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  captureLogs,
  useEmulator,
} from '../../../../../tools/emulator/jest-helpers';
import { LayerWorkspace, recordingFactory } from '../../lib/publish/testing';
import publishLayerExecutor from './executor';

useEmulator();
const logs = captureLogs();

let workspace: LayerWorkspace;
let layerCount = 0;
let calls: string[];

function run(options: Parameters<typeof publishLayerExecutor>[0] = {}) {
  return publishLayerExecutor(
    options,
    workspace.context(),
    recordingFactory(calls),
  );
}

function errors(): string {
  return logs.filter((line) => line.startsWith('error:')).join('\n');
}

/** Runs `action` with environment variables set (or deleted for undefined). */
async function withEnv<T>(
  changes: Record<string, string | undefined>,
  action: () => Promise<T>,
): Promise<T> {
  const saved = Object.fromEntries(
    Object.keys(changes).map((name) => [name, process.env[name]]),
  );
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(changes);
  try {
    return await action();
  } finally {
    apply(saved);
  }
}

/** HTTP status, AWS error type and message of every fault server response. */
interface Fault {
  status: number;
  errorType: string;
  message: string;
}

/**
 * Starts a server on 127.0.0.1 that responds to every request with the fault,
 * in the form Lambda's REST-JSON protocol uses, and counts the requests.
 * It replaces Lambda to inject faults the emulator cannot produce.
 */
async function startFaultServer(
  fault: Fault,
): Promise<{ server: Server; url: string; requests: () => number }> {
  let count = 0;
  const server = createServer((request, response) => {
    count += 1;
    request.resume();
    response.writeHead(fault.status, {
      'content-type': 'application/json',
      'x-amzn-errortype': fault.errorType,
      'x-amzn-requestid': `fault-request-${count}`,
    });
    response.end(JSON.stringify({ message: fault.message }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, requests: () => count };
}

/** Runs the executor with Lambda calls sent to a fault server. */
async function runAgainstFault(fault: Fault) {
  const fake = await startFaultServer(fault);
  try {
    const output = await withEnv({ AWS_ENDPOINT_URL_LAMBDA: fake.url }, () =>
      run(),
    );
    return { output, requests: fake.requests() };
  } finally {
    await new Promise((resolve) => fake.server.close(resolve));
  }
}

let awsConfigDir: string;

beforeEach(async () => {
  layerCount += 1;
  workspace = new LayerWorkspace(`error-layer-${layerCount}`);
  workspace.writeLayerJson();
  await workspace.writeBuild('GREETING = "hello"\n');
  calls = [];
  awsConfigDir = mkdtempSync(join(tmpdir(), 'publish-aws-config-'));
  writeFileSync(join(awsConfigDir, 'config'), '');
  writeFileSync(join(awsConfigDir, 'credentials'), '');
});

afterEach(() => {
  workspace.remove();
  rmSync(awsConfigDir, { recursive: true, force: true });
});

/** Variables that leave the SDK no credentials but empty shared files. */
function noCredentials(): Record<string, string | undefined> {
  return {
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_CONFIG_FILE: join(awsConfigDir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(awsConfigDir, 'credentials'),
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
    AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

describe('publish-layer errors', () => {
  it('missing credentials name the settings', async () => {
    const output = await withEnv(noCredentials(), () => run());

    expect(output.success).toBe(false);
    expect(errors()).toContain('AWS credentials not found (none were found');
    expect(errors()).toContain('`profile` option or AWS_PROFILE');
    expect(errors()).toContain('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  });

  it('missing region names the settings', async () => {
    const output = await withEnv(
      { AWS_REGION: undefined, AWS_CONFIG_FILE: join(awsConfigDir, 'config') },
      () => run(),
    );

    expect(output.success).toBe(false);
    expect(calls).toEqual([]);
    expect(errors()).toContain('AWS region is not set');
    expect(errors()).toContain(
      'Set the `region` option, the AWS_REGION environment variable',
    );
  });

  it('access denied names action and identity', async () => {
    const { output } = await runAgainstFault({
      status: 403,
      errorType: 'AccessDeniedException',
      message: 'not authorized to perform lambda:ListLayerVersions',
    });

    expect(output.success).toBe(false);
    // The identity comes from the emulator's STS.
    expect(errors()).toContain(
      'access denied to lambda:ListLayerVersions for ' +
        'arn:aws:sts::123456789012:user/moto',
    );
    expect(errors()).toContain('request id fault-request-1');
  });

  it('throttling is retried then reported', async () => {
    const { output, requests } = await runAgainstFault({
      status: 429,
      errorType: 'TooManyRequestsException',
      message: 'Rate exceeded',
    });

    expect(output.success).toBe(false);
    // The SDK's default of 3 attempts, with adaptive retry.
    expect(requests).toBe(3);
    expect(errors()).toContain(
      'lambda:ListLayerVersions failed: AWS TooManyRequestsException: ' +
        'Rate exceeded (HTTP 429, request id fault-request-3)',
    );
    expect(errors()).toContain(
      'The request failed 3 time(s) with adaptive retry; run the target ' +
        'again later',
    );
  });

  it('5xx answer is retried then reported', async () => {
    const { output, requests } = await runAgainstFault({
      status: 503,
      errorType: 'ServiceException',
      message: 'internal failure',
    });

    expect(output.success).toBe(false);
    expect(requests).toBe(3);
    expect(errors()).toContain('HTTP 503, request id fault-request-3');
    expect(errors()).toContain('The request failed 3 time(s)');
  });
});
