import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  Emulator,
  startEmulator,
} from '../../../../../tools/emulator/emulator';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function httpStatus(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(url, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.once('error', () => resolve(undefined));
    req.end();
  });
}

describe('startEmulator', () => {
  let emulator: Emulator;
  let scratch: string;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'emulator-spec-'));
    emulator = await startEmulator({ logFile: join(scratch, 'moto.log') });
  });

  afterAll(async () => {
    await emulator?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('serves HTTP on 127.0.0.1', async () => {
    expect(emulator.endpoint).toBe(`http://127.0.0.1:${emulator.port}`);
    expect(await httpStatus(`${emulator.endpoint}/moto-api/`)).toBe(200);
    expect(readFileSync(join(scratch, 'moto.log'), 'utf8')).toContain(
      `127.0.0.1:${emulator.port}`,
    );
  });

  it('env points the SDK at it', async () => {
    expect(emulator.env).toEqual({
      AWS_ENDPOINT_URL: emulator.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    const sts = new STSClient({
      endpoint: emulator.env.AWS_ENDPOINT_URL,
      region: emulator.env.AWS_REGION,
      credentials: {
        accessKeyId: emulator.env.AWS_ACCESS_KEY_ID,
        secretAccessKey: emulator.env.AWS_SECRET_ACCESS_KEY,
      },
    });
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toMatch(/^\d{12}$/);
  });

  it('rejects a port that is taken', async () => {
    await expect(startEmulator({ port: emulator.port })).rejects.toThrow(
      `port ${emulator.port} on 127.0.0.1 is not available`,
    );
  });

  it('missing command says how to install', async () => {
    await expect(
      startEmulator({ command: join(scratch, 'no-such-moto-server') }),
    ).rejects.toThrow("pip install 'moto[server]'");
  });

  it('early exit shows the log tail', async () => {
    const script = join(scratch, 'exits.sh');
    writeFileSync(script, '#!/bin/sh\necho "bind failed on $4"\nexit 3\n');
    chmodSync(script, 0o755);

    const started = startEmulator({ command: script });

    await expect(started).rejects.toThrow(/exited early \(code 3/);
    await expect(started).rejects.toThrow(/bind failed on \d+/);
  });

  it('timeout stops the server and shows its log', async () => {
    const script = join(scratch, 'silent.sh');
    const pidFile = join(scratch, 'silent.pid');
    writeFileSync(
      script,
      `#!/bin/sh\necho $$ > ${pidFile}\necho "still loading"\nexec sleep 60\n`,
    );
    chmodSync(script, 0o755);

    const started = startEmulator({ command: script, startTimeoutMs: 500 });

    await expect(started).rejects.toThrow(
      /did not respond to HTTP within 500 ms/,
    );
    await expect(started).rejects.toThrow(/still loading/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(isRunning(pid)).toBe(false);
  });

  it('stop ends the process', async () => {
    const second = await startEmulator();
    expect(isRunning(second.pid)).toBe(true);

    await second.stop();

    expect(isRunning(second.pid)).toBe(false);
    expect(await httpStatus(`${second.endpoint}/moto-api/`)).toBeUndefined();
  });
});
