import { normalizeOptions } from './options';
import { buildTargets } from './targets';

const LAYER = { kind: 'layer' as const, layerName: 'sosw', findLinks: [] };

describe('buildTargets: sync-versions', () => {
  it('adds the target to a layer project', () => {
    const targets = buildTargets(
      LAYER,
      'apps/sosw-layer',
      normalizeOptions({}),
    );

    expect(targets['sync-versions']).toEqual(
      expect.objectContaining({
        executor: 'nx-lambda-layers:sync-versions',
        cache: false,
      }),
    );
    expect(targets['sync-versions'].metadata?.description).toMatch(
      /^Write the current version of layer sosw into/,
    );
  });

  it('never runs in parallel', () => {
    const targets = buildTargets(
      LAYER,
      'apps/sosw-layer',
      normalizeOptions({}),
    );

    expect(targets['sync-versions'].parallelism).toBe(false);
  });

  it('uses the configured name', () => {
    const options = normalizeOptions({ syncVersionsTargetName: 'sync' });

    const targets = buildTargets(LAYER, 'apps/sosw-layer', options);

    expect(Object.keys(targets)).toEqual(['build', 'publish', 'sync']);
  });

  it('false drops the target', () => {
    const options = normalizeOptions({ syncVersionsTargetName: false });

    const targets = buildTargets(LAYER, 'apps/sosw-layer', options);

    expect(Object.keys(targets)).toEqual(['build', 'publish']);
  });

  it('stack projects do not get it', () => {
    const stack = { kind: 'stack' as const, templateFile: 'template.yaml' };

    const targets = buildTargets(stack, 'apps/orders', normalizeOptions({}));

    expect(targets['sync-versions']).toBeUndefined();
  });
});
