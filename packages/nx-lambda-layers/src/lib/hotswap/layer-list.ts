/**
 * Splits a layer version ARN,
 * `arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>`, into
 * the layer ARN (everything before the version) and the version. Returns
 * undefined for anything else.
 */
export function splitLayerVersionArn(
  arn: string,
): { layerArn: string; version: number } | undefined {
  const match =
    /^(arn:[^:]+:lambda:[^:]+:\d{12}:layer:[A-Za-z0-9_-]+):(\d+)$/.exec(arn);
  return match ? { layerArn: match[1], version: Number(match[2]) } : undefined;
}

/**
 * Returns a function's layer list with each layer of `newVersionArns`
 * replaced by that new version, at the same position. Layers without a new
 * version keep their ARN and order, and a layer the function does not use is
 * not added.
 */
export function replaceLayerVersions(
  current: readonly string[],
  newVersionArns: readonly string[],
): string[] {
  const byLayer = new Map<string, string>();
  for (const arn of newVersionArns) {
    const split = splitLayerVersionArn(arn);
    if (!split) {
      throw new Error(
        `invalid layer version ARN ${JSON.stringify(arn)}; expected ` +
          'arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>',
      );
    }
    byLayer.set(split.layerArn, arn);
  }
  return current.map((arn) => {
    const split = splitLayerVersionArn(arn);
    return (split && byLayer.get(split.layerArn)) ?? arn;
  });
}
