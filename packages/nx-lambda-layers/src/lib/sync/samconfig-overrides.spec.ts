import { normalizeLayerConfig } from '../layer-config';
import { renderSamConfigVersions } from './samconfig-overrides';

const SOSW = normalizeLayerConfig(
  { layerName: 'sosw', ssmParameter: '/lambda-layers/sosw/arn' },
  'apps/sosw-layer/layer.json',
);
const ARN = 'arn:aws:lambda:us-east-1:123456789012:layer';

function render(text: string) {
  return renderSamConfigVersions(text, [SOSW], new Map([['sosw', 9]]));
}

describe('renderSamConfigVersions', () => {
  it('rewrites string, array and multi-line forms', () => {
    const text = [
      '[default.deploy.parameters]',
      `parameter_overrides = "Layer=${ARN}:sosw:2 Extras=${ARN}:sosw-extras:2"`,
      '[prod.deploy.parameters]',
      `parameter_overrides = ["Layer=${ARN}:sosw:SOSW_LAYER_PLACEHOLDER", "Env=prod"]`,
      '[test.deploy.parameters]',
      'parameter_overrides = """',
      `Layer=${ARN}:sosw:3`,
      '"""',
      '',
    ].join('\r\n');

    const { text: rendered, changes } = render(text);

    expect(rendered).toBe(
      text
        .replace(':sosw:2 ', ':sosw:9 ')
        .replace(':sosw:SOSW_LAYER_PLACEHOLDER', ':sosw:9')
        .replace(':sosw:3', ':sosw:9'),
    );
    expect(changes.map((change) => [change.line, change.from])).toEqual([
      [2, '2'],
      [4, 'SOSW_LAYER_PLACEHOLDER'],
      [7, '3'],
    ]);
  });

  it('leaves other keys alone', () => {
    const text = `[default.deploy.parameters]\nnote = "${ARN}:sosw:2"\n`;

    expect(render(text).text).toBe(text);
  });

  it('skips an unknown version token', () => {
    const text = `parameter_overrides = "Layer=${ARN}:sosw:latest"\n`;

    const { text: rendered, skipped } = render(text);

    expect(rendered).toBe(text);
    expect(skipped).toHaveLength(1);
  });
});
