/**
 * Test helpers for publish-layer specs: a temporary workspace with one layer
 * project and its build output, and a client factory that records every
 * call. Used only by spec files.
 */
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import JSZip from 'jszip';
import { type AwsClientsFactory, createAwsClients } from '../aws/clients';
import type { LayerManifest } from '../manifest';
import type { PublishResultFile } from './run';

export const PROJECT_ROOT = 'apps/test-layer';
export const OUTPUT_DIR = join('dist', PROJECT_ROOT);

/** A temporary workspace with one layer project. */
export class LayerWorkspace {
  readonly root = mkdtempSync(join(tmpdir(), 'publish-layer-spec-'));

  constructor(readonly layerName: string) {}

  get ssmParameter(): string {
    return `/layers/${this.layerName}/arn`;
  }

  /** Writes `layer.json` with the test defaults and `extra` on top. */
  writeLayerJson(extra: Record<string, unknown> = {}): void {
    mkdirSync(join(this.root, PROJECT_ROOT), { recursive: true });
    const config = {
      layerName: this.layerName,
      ssmParameter: this.ssmParameter,
      runtimes: ['python3.12'],
      license: 'MIT',
      description: 'greeting module for tests',
      ...extra,
    };
    this.writeFile(join(PROJECT_ROOT, 'layer.json'), JSON.stringify(config));
  }

  writeFile(relativePath: string, content: string | Buffer): void {
    const path = join(this.root, relativePath);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
  }

  /**
   * Writes a layer zip with one module (plus `padding` bytes of data,
   * stored uncompressed, for size tests) and its manifest, as build-layer
   * does.
   */
  async writeBuild(moduleText: string, padding = 0): Promise<LayerManifest> {
    const zip = new JSZip();
    const date = new Date('1980-01-01T00:00:00Z');
    zip.file('python/greeting.py', moduleText, { date });
    if (padding > 0) {
      zip.file('python/padding.bin', Buffer.alloc(padding, 0x61), { date });
    }
    const bytes = await zip.generateAsync({
      type: 'nodebuffer',
      compression: 'STORE',
    });
    const digest = createHash('sha256').update(bytes).digest();
    const manifest: LayerManifest = {
      layerName: this.layerName,
      zipFile: 'layer.zip',
      sha256: digest.toString('hex'),
      sha256Base64: digest.toString('base64'),
      zipBytes: bytes.length,
      unzippedBytes: moduleText.length + padding,
      fileCount: padding > 0 ? 2 : 1,
      packages: [{ name: 'greeting', version: '1.0.0' }],
      runtimes: ['python3.12'],
      architectures: ['x86_64'],
    };
    this.writeFile(join(OUTPUT_DIR, 'layer.zip'), bytes);
    this.writeFile(
      join(OUTPUT_DIR, 'layer.manifest.json'),
      JSON.stringify(manifest),
    );
    return manifest;
  }

  readResult(): PublishResultFile {
    const path = join(this.root, OUTPUT_DIR, 'publish-result.json');
    return JSON.parse(readFileSync(path, 'utf8')) as PublishResultFile;
  }

  context(): ExecutorContext {
    return {
      root: this.root,
      cwd: this.root,
      isVerbose: false,
      projectName: 'test-layer',
      projectsConfigurations: {
        version: 2,
        projects: { 'test-layer': { root: PROJECT_ROOT } },
      },
      nxJsonConfiguration: {},
      projectGraph: { nodes: {}, dependencies: {} },
    } as ExecutorContext;
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * Wraps a factory so every command the clients send is appended to `calls`
 * as `region service:Operation`, such as `us-east-1 lambda:PublishLayerVersion`.
 * The calls still go to the real clients.
 */
export function recordingFactory(
  calls: string[],
  base: AwsClientsFactory = createAwsClients,
): AwsClientsFactory {
  return async (options) => {
    const clients = await base(options);
    const services = {
      lambda: clients.lambda,
      ssm: clients.ssm,
      s3: clients.s3,
      sts: clients.sts,
      cloudformation: clients.cloudFormation,
    };
    for (const [service, client] of Object.entries(services)) {
      const target = client as unknown as {
        send: (command: object, ...rest: unknown[]) => Promise<unknown>;
      };
      const send = target.send.bind(target);
      target.send = (command: object, ...rest: unknown[]) => {
        const operation = command.constructor.name.replace(/Command$/, '');
        calls.push(`${clients.region} ${service}:${operation}`);
        return send(command, ...rest);
      };
    }
    return clients;
  };
}

/** Returns the entries of `calls` that match `pattern`. */
export function callsMatching(calls: string[], pattern: RegExp): string[] {
  return calls.filter((call) => pattern.test(call));
}
