/**
 * Whether an update of an OpenKruise CloneSet can be applied in place (same
 * pod, same IP) or recreates pods. OpenKruise updates in place only when the
 * pod template differs in container images and pod metadata (labels and
 * annotations); any other template change recreates the pods.
 */
import { cmp } from '../util/compare.ts';

/** Verdict on one CloneSet update. */
export interface InPlaceVerdict {
  /** True when every pod keeps its IP (only images and metadata changed, or nothing did). */
  readonly inPlace: boolean;
  /** Paths under `spec.template` whose change forces recreation; empty when in place. */
  readonly recreatedBy: readonly string[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Compares the pod templates of two rendered CloneSets. */
export function inPlaceVerdict(before: unknown, after: unknown): InPlaceVerdict {
  const a = templateOf(before);
  const b = templateOf(after);
  const recreatedBy: string[] = [];
  diffPaths(stripInPlaceFields(a), stripInPlaceFields(b), 'spec.template', recreatedBy);
  return { inPlace: recreatedBy.length === 0, recreatedBy: recreatedBy.sort(cmp) };
}

function templateOf(object: unknown): Json {
  const spec = (object as { spec?: { template?: Json } } | undefined)?.spec;
  return spec?.template ?? null;
}

/** The template with what OpenKruise can change in place removed: pod metadata and container images. */
function stripInPlaceFields(template: Json): Json {
  if (!template || typeof template !== 'object' || Array.isArray(template)) return template;
  const copy = structuredClone(template) as { [key: string]: Json };
  delete copy.metadata;
  const spec = copy.spec as { containers?: { image?: string }[] } | undefined;
  for (const c of spec?.containers ?? []) delete c.image;
  return copy;
}

function diffPaths(a: Json | undefined, b: Json | undefined, path: string, out: string[]): void {
  if (a === b) return;
  const bothObjects = a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b);
  if (!bothObjects) {
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(path);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      out.push(path);
      return;
    }
    for (const [i, item] of a.entries()) diffPaths(item, b[i], `${path}[${i}]`, out);
    return;
  }
  const ao = a as { [key: string]: Json };
  const bo = b as { [key: string]: Json };
  for (const key of [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort(cmp))
    diffPaths(ao[key], bo[key], `${path}.${key}`, out);
}
