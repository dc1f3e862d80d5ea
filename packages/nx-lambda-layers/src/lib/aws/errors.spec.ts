import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { createAwsClients } from './clients';
import { describeFailure } from './errors';

/** Returns a port of 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('describeFailure', () => {
  const saved = { ...process.env };

  afterEach(() => {
    process.env = { ...saved };
  });

  it('refused connection names the endpoint', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    delete process.env.AWS_PROFILE;
    const clients = await createAwsClients({ region: 'us-east-1' });

    const started = Date.now();
    const error = await clients.ssm
      .send(new GetParameterCommand({ Name: '/refused' }))
      .catch((caught: unknown) => caught);
    const message = describeFailure(error);

    expect(Date.now() - started).toBeLessThan(10_000);
    expect(message).toContain(`could not reach the AWS endpoint ${endpoint}`);
    expect(message).toContain('ECONNREFUSED');
    expect(message).toContain('AWS_ENDPOINT_URL');
  }, 20_000);

  it('network error without endpoint names the network', () => {
    delete process.env.AWS_ENDPOINT_URL;
    const error = Object.assign(new Error('getaddrinfo ENOTFOUND host'), {
      code: 'ENOTFOUND',
    });

    const message = describeFailure(error);

    expect(message).toContain('could not reach AWS');
    expect(message).toContain('getaddrinfo ENOTFOUND host');
    expect(message).toContain('network');
  });

  it('missing credentials name the settings', async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'errors-spec-'));
    writeFileSync(join(configDir, 'config'), '');
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: `http://127.0.0.1:${await closedPort()}`,
      AWS_CONFIG_FILE: join(configDir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(configDir, 'config'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    try {
      const clients = await createAwsClients({
        region: 'us-east-1',
        profile: 'absent',
      });

      const error = await clients.ssm
        .send(new GetParameterCommand({ Name: '/no-credentials' }))
        .catch((caught: unknown) => caught);
      const message = describeFailure(error);

      expect(message).toContain('AWS credentials not found');
      expect(message).toContain('`profile` option or AWS_PROFILE');
      expect(message).toContain('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
    } finally {
      rmSync(configDir, { recursive: true, force: true });
    }
  });

  it('plain error keeps its message', () => {
    expect(describeFailure(new Error('template not found'))).toBe(
      'template not found',
    );
  });
});
