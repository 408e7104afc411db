/**
 * Deterministic YAML: sorted keys, no line folding, one document order.
 * The only place that turns objects into manifest text.
 */
import { emitDocument } from './emit.ts';

/** Serialises objects as a multi-document YAML stream, keys sorted, preceded by a header comment. */
export function toYaml(objects: readonly unknown[], header?: string): string {
  let text = header
    ? `${header
        .split('\n')
        .map((l) => `# ${l}`.trimEnd())
        .join('\n')}\n`
    : '';
  for (const object of objects) text = emitDocument(object, `${text}---\n`);
  return text;
}
