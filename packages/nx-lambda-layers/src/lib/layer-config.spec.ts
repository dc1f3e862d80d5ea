import { LayerConfigError, parseLayerConfig } from './layer-config';

const SOURCE = 'apps/test-layer/layer.json';

/** Parses a layer.json with the required fields plus `fields`. */
function parseWith(fields: Record<string, unknown>) {
  return parseLayerConfig(
    JSON.stringify({
      layerName: 'test',
      ssmParameter: '/lambda-layers/test/arn',
      ...fields,
    }),
    SOURCE,
  );
}

/** Returns the message of the error `action` throws. */
function messageOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(LayerConfigError);
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('parseLayerConfig', () => {
  it('fills in the defaults', () => {
    const config = parseWith({ layerName: 'my-layer' });

    expect(config.placeholder).toBe('MY_LAYER_LAYER_PLACEHOLDER');
    expect(config.exportName).toBe('my-layer-layer-arn');
    expect(config.runtimes).toContain('python3.12');
    expect(config.architectures).toEqual(['x86_64']);
  });

  it('numeric layerName is invalid', () => {
    const message = messageOf(() => parseWith({ layerName: 5 }));

    expect(message).toContain(`${SOURCE}: invalid layerName 5`);
  });

  it('invalid JSON names line and column', () => {
    const message = messageOf(() =>
      parseLayerConfig('{\n  "layerName": "x",\n}\n', SOURCE),
    );

    expect(message).toContain(`${SOURCE} is not valid JSON`);
    expect(message).toContain('line 3, column 1');
    expect(message).toContain('fix the syntax');
  });

  it.each([
    ['runtimes', 'python3.12'],
    ['runtimes', [3]],
    ['architectures', 'x86_64'],
    ['noDependencies', 'sosw'],
  ])('%s of %j is not a list of strings', (field, value) => {
    const message = messageOf(() => parseWith({ [field]: value }));

    expect(message).toContain(
      `${SOURCE}: invalid ${field} ${JSON.stringify(value)}; ` +
        'set it to a list of strings',
    );
  });

  it('unknown architecture is invalid', () => {
    const message = messageOf(() => parseWith({ architectures: ['x86'] }));

    expect(message).toContain(`${SOURCE}: invalid architectures ["x86"]`);
    expect(message).toContain('x86_64, arm64');
  });

  it.each([['placeholder'], ['exportName'], ['requirements']])(
    'non-string %s is invalid',
    (field) => {
      const message = messageOf(() => parseWith({ [field]: 7 }));

      expect(message).toContain(`${SOURCE}: invalid ${field} 7`);
      expect(message).toContain('set it to a string');
    },
  );

  it.each([['SOSW-PLACEHOLDER'], ['bad placeholder!'], ['42']])(
    'placeholder %j is invalid',
    (placeholder) => {
      const message = messageOf(() => parseWith({ placeholder }));

      expect(message).toContain(
        `${SOURCE}: invalid placeholder ${JSON.stringify(placeholder)}`,
      );
      expect(message).toContain('letters, digits and underscores');
    },
  );

  it('pip that is not an object is invalid', () => {
    const message = messageOf(() => parseWith({ pip: [] }));

    expect(message).toContain(`${SOURCE}: invalid pip []`);
    expect(message).toContain('JSON object');
  });

  it('unknown key suggests the close one', () => {
    const message = messageOf(() => parseWith({ noDependency: ['sosw'] }));

    expect(message).toBe(
      `${SOURCE}: unknown key "noDependency"; did you mean "noDependencies"?`,
    );
  });

  it('unknown pip key names its block', () => {
    const message = messageOf(() => parseWith({ pip: { noindex: true } }));

    expect(message).toBe(
      `${SOURCE}: unknown key "pip.noindex"; did you mean "pip.noIndex"?`,
    );
  });

  it('unknown publish key lists the known ones', () => {
    const message = messageOf(() => parseWith({ publish: { target: 'x' } }));

    expect(message).toContain(
      `${SOURCE}: unknown key "publish.target"; use one of mode, s3Bucket,`,
    );
  });

  it('accepts a $schema key', () => {
    const config = parseWith({ $schema: './schema.json' });

    expect(config.layerName).toBe('test');
  });
});
