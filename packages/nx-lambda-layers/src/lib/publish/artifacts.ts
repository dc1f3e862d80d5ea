import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  LAYER_MANIFEST_FILE,
  LAYER_ZIP_FILE,
  layerOutputDir,
  type LayerManifest,
} from '../manifest';

/** The build output that publish-layer uploads. */
export interface LayerArtifacts {
  manifest: LayerManifest;
  zip: Buffer;
  /** Workspace-relative path of the zip, for messages. */
  zipPath: string;
}

/** Build output that is missing, unreadable or inconsistent. */
export class LayerArtifactsError extends Error {
  override name = 'LayerArtifactsError';
}

/**
 * Reads `dist/<projectRoot>/layer.manifest.json` and the zip it names, and
 * checks the zip's SHA-256 against the manifest. `projectName` goes into
 * the build command that messages suggest.
 */
export function readLayerArtifacts(
  workspaceRoot: string,
  projectRoot: string,
  projectName = '<project>',
): LayerArtifacts {
  const outputDir = layerOutputDir(projectRoot);
  const manifestPath = join(outputDir, LAYER_MANIFEST_FILE);
  const read = (path: string) =>
    readBuildOutput(workspaceRoot, path, projectName);
  const manifest = parseManifest(
    read(manifestPath).toString('utf8'),
    manifestPath,
  );
  const zipPath = join(outputDir, manifest.zipFile || LAYER_ZIP_FILE);
  const zip = read(zipPath);

  checkManifestHashes(manifest, manifestPath);
  checkZipHash(zip, manifest, zipPath);
  return { manifest, zip, zipPath };
}

/** Parses a manifest's text and checks the fields publishing relies on. */
export function parseManifest(text: string, source: string): LayerManifest {
  let manifest: Partial<LayerManifest>;
  try {
    manifest = JSON.parse(text) as Partial<LayerManifest>;
  } catch (error) {
    throw new LayerArtifactsError(
      `${source} is not valid JSON (${(error as Error).message}); ` +
        'run the build target again',
    );
  }
  for (const field of ['layerName', 'sha256', 'sha256Base64'] as const) {
    if (typeof manifest[field] !== 'string' || manifest[field] === '') {
      throw new LayerArtifactsError(
        `${source} has no ${field}; run the build target again`,
      );
    }
  }
  return manifest as LayerManifest;
}

/**
 * Throws when the manifest's hex and base64 SHA-256 are not the same digest,
 * which means the manifest was edited after the build.
 */
export function checkManifestHashes(
  manifest: LayerManifest,
  manifestPath: string,
): void {
  const fromHex = Buffer.from(manifest.sha256, 'hex').toString('base64');
  if (fromHex !== manifest.sha256Base64) {
    throw new LayerArtifactsError(
      `${manifestPath} records SHA-256 ${manifest.sha256} in hex and ` +
        `${manifest.sha256Base64} in base64, which disagree, so the ` +
        'manifest was edited after the build; run the build target again',
    );
  }
}

/** Throws when the zip bytes do not have the SHA-256 the manifest records. */
export function checkZipHash(
  zip: Buffer,
  manifest: LayerManifest,
  zipPath: string,
): void {
  const digest = createHash('sha256').update(zip).digest();
  const hex = digest.toString('hex');
  const base64 = digest.toString('base64');
  if (hex !== manifest.sha256 || base64 !== manifest.sha256Base64) {
    throw new LayerArtifactsError(
      `${zipPath} has SHA-256 ${hex}, but ${LAYER_MANIFEST_FILE} records ` +
        `${manifest.sha256} (base64 ${manifest.sha256Base64}). The zip ` +
        'changed after the build, so run the build target again',
    );
  }
}

function readBuildOutput(
  workspaceRoot: string,
  relativePath: string,
  projectName: string,
): Buffer {
  const path = join(workspaceRoot, relativePath);
  if (!existsSync(path)) {
    throw new LayerArtifactsError(
      `${relativePath} not found; run the build target of the layer ` +
        `project first (\`nx run ${projectName}:build\`), or declare ` +
        "it as a dependency of the publish target (`dependsOn: ['build']`)",
    );
  }
  return readFileSync(path);
}
