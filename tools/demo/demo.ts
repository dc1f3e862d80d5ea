/**
 * Runs the main job end to end on a local AWS emulator: builds and publishes
 * the demo layer, records its version ARN in SSM, deploys the stacks that
 * use it, prints what each stack resolved, then publishes again to show that
 * an unchanged layer gets no new version.
 *
 * Usage: npm run demo
 *
 * With AWS_ENDPOINT_URL pointing at an emulator on 127.0.0.1 the demo uses
 * that emulator and leaves it running; otherwise it starts `moto_server` on a
 * free port and stops it at the end. It never talks to real AWS.
 */
import { spawn } from 'node:child_process';
import { devNull } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmulator, type Emulator } from '../emulator/emulator';
import { readParameter, readStackLayers } from './stack-report';

const WORKSPACE_ROOT = resolve(__dirname, '../..');
const DEMO_STACKS = ['orders-api', 'reports-worker'];
const DEMO_LAYER_PARAMETER = '/lambda-layers/nxll-demo/arn';
const REGION = 'us-east-1';

function isLocalEndpoint(url: string | undefined): boolean {
  if (!url) {
    return false;
  }
  const { hostname } = new URL(url);
  return hostname === '127.0.0.1' || hostname === 'localhost';
}

/** Runs the workspace's nx CLI and rejects when it exits non-zero. */
function runNx(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const nx = join(WORKSPACE_ROOT, 'node_modules', '.bin', 'nx');
  console.log(`\n$ nx ${args.join(' ')}`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(nx, args, {
      cwd: WORKSPACE_ROOT,
      env,
      stdio: 'inherit',
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolvePromise()
        : reject(new Error(`nx ${args.join(' ')} exited with code ${code}`)),
    );
  });
}

async function printReport(): Promise<void> {
  const layerArn = await readParameter(DEMO_LAYER_PARAMETER, REGION);
  console.log(`\nSSM parameter ${DEMO_LAYER_PARAMETER} = ${layerArn}`);
  for (const report of await readStackLayers(DEMO_STACKS, REGION)) {
    const arns = Object.entries(report.layerArns)
      .map(([key, arn]) => `${key}=${arn}`)
      .join(', ');
    console.log(`stack ${report.stackName}: ${report.status}, ${arns}`);
  }
}

async function main(): Promise<void> {
  let emulator: Emulator | undefined;
  if (!isLocalEndpoint(process.env.AWS_ENDPOINT_URL)) {
    emulator = await startEmulator();
    console.log(
      `started moto_server at ${emulator.endpoint} (pid ${emulator.pid})`,
    );
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...emulator?.env,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // The demo layer installs from the workspace's own wheels only.
    PIP_CONFIG_FILE: devNull,
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
  };
  delete env.AWS_PROFILE;
  Object.assign(process.env, env);
  try {
    await runNx(
      [
        'run-many',
        '-t',
        'deploy',
        '-p',
        DEMO_STACKS.join(','),
        '--output-style=static',
      ],
      env,
    );
    await printReport();
    await runNx(['run', 'demo-layer:publish', '--output-style=static'], env);
  } finally {
    await emulator?.stop();
    if (emulator) {
      console.log(`stopped moto_server (pid ${emulator.pid})`);
    }
  }
}

main().catch((error: Error) => {
  console.error(`demo failed: ${error.message}`);
  process.exitCode = 1;
});
