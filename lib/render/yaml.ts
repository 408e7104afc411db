/**
 * Deterministic YAML: sorted keys, no line folding, one document order.
 * The only place that turns objects into manifest text.
 */
import { parseAllDocuments } from 'yaml';
import { emitDocument } from './emit.ts';

/** A Kubernetes object as plain data. */
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
};

/** Serialises objects as a multi-document YAML stream, keys sorted, preceded by a header comment. */
export function toYaml(objects: readonly unknown[], header?: string): string {
  let text = header ? `${header.split('\n').map((l) => `# ${l}`.trimEnd()).join('\n')}\n` : '';
  for (const object of objects) text = emitDocument(object, `${text}---\n`);
  return text;
}

/** Parses a multi-document YAML stream; throws with the file name on syntax errors. */
export function fromYaml(text: string, file: string): unknown[] {
  const docs = parseAllDocuments(text);
  const out: unknown[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${file}: invalid YAML: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as unknown;
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}
