import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListBucketsCommand, CreateBucketCommand } from '@aws-sdk/client-s3';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { useEmulator } from '../../../../../tools/emulator/jest-helpers';
import { createAwsClients, resolveRegion } from './clients';
import { describeFailure } from './errors';

useEmulator();

/** Variables this spec changes, restored after each test. */
const VARIABLES = [
  'AWS_REGION',
  'AWS_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_ENDPOINT_URL',
];

let saved: Record<string, string | undefined>;
let configDir: string;

beforeEach(() => {
  saved = Object.fromEntries(
    VARIABLES.map((name) => [name, process.env[name]]),
  );
  configDir = mkdtempSync(join(tmpdir(), 'clients-spec-'));
  // Point the shared files at an empty folder so the machine's are not read.
  process.env.AWS_CONFIG_FILE = join(configDir, 'config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(configDir, 'credentials');
});

afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(configDir, { recursive: true, force: true });
});

describe('resolveRegion', () => {
  it('option wins over AWS_REGION', async () => {
    process.env.AWS_REGION = 'eu-west-1';

    expect(await resolveRegion({ region: 'ap-south-1' })).toBe('ap-south-1');
  });

  it('reads AWS_REGION', async () => {
    process.env.AWS_REGION = 'eu-west-1';

    expect(await resolveRegion({})).toBe('eu-west-1');
  });

  it('reads the profile region', async () => {
    delete process.env.AWS_REGION;
    writeFileSync(
      process.env.AWS_CONFIG_FILE as string,
      '[profile team]\nregion = eu-central-1\n',
    );

    expect(await resolveRegion({ profile: 'team' })).toBe('eu-central-1');
  });

  it('missing region names the three ways', async () => {
    delete process.env.AWS_REGION;

    const error = await resolveRegion({ profile: 'team' }).catch(
      (caught: Error) => caught,
    );

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('`region` option');
    expect((error as Error).message).toContain('AWS_REGION');
    expect((error as Error).message).toContain('in the profile team');
  });
});

describe('createAwsClients', () => {
  it('reaches the emulator', async () => {
    const clients = await createAwsClients({});

    const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
    await clients.s3.send(new CreateBucketCommand({ Bucket: 'clients-spec' }));
    const buckets = await clients.s3.send(new ListBucketsCommand({}));

    expect(identity.Account).toBe('123456789012');
    expect(buckets.Buckets?.map((bucket) => bucket.Name)).toContain(
      'clients-spec',
    );
  });

  it('uses path-style S3 and adaptive retries', async () => {
    const clients = await createAwsClients({ region: 'eu-west-1' });

    expect(clients.region).toBe('eu-west-1');
    expect(await clients.lambda.config.region()).toBe('eu-west-1');
    expect(clients.s3.config.forcePathStyle).toBe(true);
    const strategy = (await clients.lambda.config.retryStrategy()) as {
      mode?: string;
    };
    expect(strategy.mode).toBe('adaptive');
  });

  it('profile supplies the credentials', async () => {
    const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    writeFileSync(
      process.env.AWS_SHARED_CREDENTIALS_FILE as string,
      '[team]\naws_access_key_id = profilekey\naws_secret_access_key = testing\n',
    );
    try {
      const clients = await createAwsClients({ profile: 'team' });

      const credentials = await clients.ssm.config.credentials();

      expect(credentials.accessKeyId).toBe('profilekey');
    } finally {
      process.env.AWS_ACCESS_KEY_ID = accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = secretAccessKey;
    }
  });
});

describe('createAwsClients against a silent endpoint', () => {
  // A server on 127.0.0.1 that accepts connections and never responds, as a
  // hung emulator or proxy does.
  let server: Server;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) =>
      server.listen(0, '127.0.0.1', resolve),
    );
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('times out instead of hanging', async () => {
    const { port } = server.address() as { port: number };
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${port}`;
    const clients = await createAwsClients({
      region: 'us-east-1',
      socketTimeoutMs: 300,
    });

    const started = Date.now();
    const error = await clients.ssm
      .send(new GetParameterCommand({ Name: '/silent' }))
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Error);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(describeFailure(error)).toContain(
      `could not reach the AWS endpoint http://127.0.0.1:${port}`,
    );
  }, 20_000);
});
