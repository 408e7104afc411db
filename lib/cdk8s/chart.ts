/**
 * A chart's API objects as JSON: the one call the render makes into cdk8s to
 * turn what the constructs built into Kubernetes objects.
 */
import { ApiObject, type Chart } from 'cdk8s';
import { objectJson, type ObjectJson } from './json.ts';

/**
 * The API objects of `chart` as JSON, in construct order, after the constructs' own validations.
 * `Chart.toJson` would also order them by their dependencies across the whole App; the render
 * orders objects itself, so that work is skipped. Each object is written by `objectJson`: what its
 * `toJson()` returns, in one walk, or by `toJson()` itself with `PLATFORM_CDK8S_TOJSON=1`.
 */
export function chartObjects(chart: Chart): ObjectJson[] {
  const constructs = chart.node.findAll();
  const errors = constructs.flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
  if (errors.length > 0) throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
  return constructs.filter((c): c is ApiObject => c instanceof ApiObject).map(objectJson);
}
