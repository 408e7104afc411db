/**
 * Manifest text back to objects: the one reader of rendered YAML, for
 * validation of files on disk, release orders and delivery.
 */
import { parseAllDocuments } from 'yaml';

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
