/**
 * Problems found in specs, reported together at the end of a run.
 */
import { cmp } from '../util/compare.ts';

/** One thing wrong with one field of one file. */
export interface Problem {
  /** Repository-relative path of the file at fault. */
  readonly file: string;
  /** Dotted path of the field (`ports[0].port`), or `''` for the whole file. */
  readonly field: string;
  /** The offending value, as found. */
  readonly value?: unknown;
  /** What is wrong. */
  readonly message: string;
  /** What to do about it. */
  readonly fix: string;
}

/** Thrown when one or more specs are invalid; carries every problem of the run. */
export class SpecError extends Error {
  /** All problems found, in file then field order. */
  public readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    const sorted = [...problems].sort(
      (a, b) => cmp(a.file, b.file) || cmp(a.field, b.field) || cmp(a.message, b.message),
    );
    super(formatProblems(sorted));
    this.name = 'SpecError';
    this.problems = sorted;
  }
}

/** Shows a value the way a reader of the spec would write it. */
export function showValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}

/** One problem on one line: `file: field = value: message. Fix: fix`. */
export function formatProblem(p: Problem): string {
  const where = p.field ? `${p.file}: '${p.field}'` : p.file;
  const value = 'value' in p ? ` (${showValue(p.value)})` : '';
  return `${where}${value}: ${p.message}. Fix: ${p.fix}`;
}

/** The report printed for a failed run. */
export function formatProblems(problems: readonly Problem[]): string {
  const noun = problems.length === 1 ? 'problem' : 'problems';
  return [
    `${problems.length} ${noun} found; nothing was written:`,
    ...problems.map((p) => `  - ${formatProblem(p)}`),
  ].join('\n');
}

/** Collects problems for one file. */
export class ProblemSink {
  public readonly problems: Problem[] = [];

  /** Records a problem. */
  add(file: string, field: string, value: unknown, message: string, fix: string): void {
    this.problems.push({ file, field, value, message, fix });
  }

  /** Records a problem about a whole file (no field, no value). */
  addFile(file: string, message: string, fix: string): void {
    this.problems.push({ file, field: '', message, fix });
  }

  /** Throws a `SpecError` when anything was recorded. */
  throwIfAny(): void {
    if (this.problems.length > 0) throw new SpecError(this.problems);
  }
}

/** Closest candidate to `word` within edit distance 2, for "did you mean" hints. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
