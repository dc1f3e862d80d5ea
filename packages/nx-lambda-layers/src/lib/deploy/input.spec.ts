import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDeployInput } from './input';

const TEMPLATE =
  'AWSTemplateFormatVersion: "2010-09-09"\n' +
  'Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n';

const SAM_CONFIG =
  'version = 0.1\n\n' +
  '[default.deploy.parameters]\nstack_name = "orders-dev"\n\n' +
  '[prod.deploy.parameters]\nstack_name = "orders-prod"\n';

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'deploy-input-spec-'));
  mkdirSync(join(root, 'apps/orders'), { recursive: true });
  writeFileSync(join(root, 'apps/orders/template.yaml'), TEMPLATE);
  writeFileSync(join(root, 'apps/orders/samconfig.toml'), SAM_CONFIG);
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('loadDeployInput', () => {
  it('configEnv picks its environment', () => {
    const input = loadDeployInput(root, 'apps/orders', { configEnv: 'prod' });

    expect(input.settings.stackName).toBe('orders-prod');
  });

  it('unknown configEnv fails with the known ones', () => {
    expect(() =>
      loadDeployInput(root, 'apps/orders', { configEnv: 'prdo' }),
    ).toThrow(
      'apps/orders/samconfig.toml has no environment "prdo" (it has ' +
        'default, prod); fix the `configEnv` option',
    );
  });

  it('invalid stack name fails before any call', () => {
    expect(() =>
      loadDeployInput(root, 'apps/orders', { stackName: 'bad name!' }),
    ).toThrow(
      'invalid stack name "bad name!"; CloudFormation accepts letters, ' +
        'digits and hyphens, starting with a letter, up to 128 characters',
    );
  });
});
