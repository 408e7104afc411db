/**
 * Multiline parsers: the rules the log collector uses to join stack traces
 * into one record, and an evaluator that runs those rules the way Fluent Bit's
 * regex multiline engine does, so tests can feed real log samples through them.
 *
 * Fluent Bit's semantics, as implemented in its `flb_ml_rule.c` and `flb_ml.c`:
 * - a rule has one or more from-states (comma-separated), a regex and a next
 *   state; rules whose from-states include `start_state` start a record;
 * - while a record is open, a line is tried against the non-start rules whose
 *   from-state is the last matched rule's next state; a match appends it;
 * - otherwise the line is tried against the start rules; a match flushes the
 *   open record and opens a new one;
 * - a line that matches nothing flushes the open record and becomes a record
 *   of its own; the last matched rule is kept, so a later continuation line
 *   opens a record of its own too;
 * - a rule whose next state is a start state flushes right after matching;
 * - a timer flushes open records every `flush_timeout` milliseconds.
 */
import { patternProblem } from '../spec/logs-checks.ts';

/** The state every record starts in. */
export const START_STATE = 'start_state';

/** One rule of a regex multiline parser, as written in the Fluent Bit configuration. */
export interface MultilineRule {
  /** State(s) the rule applies in, comma-separated; `start_state` for the first line of a record. */
  readonly state: string;
  /**
   * Regular expression between slashes (`/^\s+at /`), Onigmo (Ruby) syntax restricted to what JavaScript reads alike.
   */
  readonly regex: string;
  /** State after a match. */
  readonly nextState: string;
}

/** A regex multiline parser, as written in the Fluent Bit configuration. */
export interface MultilineParser {
  /** Unique name, referenced by the tail input's `multiline.parser`. */
  readonly name: string;
  /** Milliseconds after which an open record is flushed even if incomplete (Fluent Bit refuses less than 500). */
  readonly flushTimeoutMs: number;
  /** Rules, start rules first. */
  readonly rules: readonly MultilineRule[];
}

/** Milliseconds an open record waits for more lines before it is shipped. */
export const MULTILINE_FLUSH_MS = 1000;

/** Start of a record in the `java` mode: an ISO date and time, optionally after `[`. */
export const JAVA_RECORD_START = String.raw`^\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}`;

/** The parser of the `java` mode: a record starts at a timestamped line; everything else continues it. */
export function javaMultiline(name = 'platform-java'): MultilineParser {
  return startPatternMultiline(JAVA_RECORD_START, name);
}

/**
 * The parser of a custom start pattern (anchored with `^`): a record starts at a
 * matching line; every line that does not match continues it.
 */
export function startPatternMultiline(pattern: string, name = 'platform-custom'): MultilineParser {
  const body = pattern.startsWith('^') ? pattern.slice(1) : pattern;
  return {
    name,
    flushTimeoutMs: MULTILINE_FLUSH_MS,
    rules: [
      { state: START_STATE, regex: `/^(?:${body})/`, nextState: 'cont' },
      { state: 'cont', regex: `/^(?!(?:${body}))/`, nextState: 'cont' },
    ],
  };
}

/** The JavaScript form of a Fluent Bit `/.../` regex; throws naming the problem. */
export function toRegExp(fluentRegex: string): RegExp {
  const m = /^\/(.*)\/$/s.exec(fluentRegex);
  if (!m) throw new Error(`regex ${JSON.stringify(fluentRegex)} is not written between slashes (/.../)`);
  const problem = patternProblem(m[1]!);
  if (problem) throw new Error(`regex ${JSON.stringify(fluentRegex)} ${problem}`);
  return new RegExp(m[1]!);
}

interface CompiledRule {
  readonly fromStates: readonly string[];
  readonly isStart: boolean;
  readonly re: RegExp;
  readonly nextState: string;
  next: CompiledRule[];
}

/** A line with the time it was read, in milliseconds from the start of the stream. */
export interface TimedLine {
  readonly line: string;
  readonly atMs: number;
}

/**
 * One stream (one file) through one multiline parser. `push` returns the
 * records completed by the line; `end` flushes what is still open.
 */
export class MultilineStream {
  private readonly starts: readonly CompiledRule[];
  private last: CompiledRule | undefined;
  private open: string[] = [];
  private clockMs = 0;

  constructor(private readonly parser: MultilineParser) {
    const rules = parser.rules.map((r) => ({
      fromStates: r.state.split(',').map((s) => s.trim()),
      isStart: r.state.split(',').some((s) => s.trim() === START_STATE),
      re: toRegExp(r.regex),
      nextState: r.nextState,
      next: [] as CompiledRule[],
    }));
    for (const rule of rules) rule.next = rules.filter((r) => r.fromStates.includes(rule.nextState));
    this.starts = rules.filter((r) => r.isStart);
  }

  /** Feeds one line (read at `atMs`, when given); returns the records it completed, in order. */
  push(input: string | TimedLine): string[] {
    const { line, atMs } = typeof input === 'string' ? { line: input, atMs: undefined } : input;
    const out: string[] = [];
    if (atMs !== undefined) {
      if (atMs < this.clockMs) throw new Error(`lines must be fed in time order (${atMs} ms after ${this.clockMs} ms)`);
      // The flush timer fires every flush_timeout; any tick since the previous line ships the open record.
      const tick = this.parser.flushTimeoutMs;
      if (Math.floor(atMs / tick) > Math.floor(this.clockMs / tick)) this.flushInto(out);
      this.clockMs = atMs;
    }
    let matched: CompiledRule | undefined;
    if (this.last) {
      matched = this.last.next.find((r) => !r.isStart && r.re.test(line));
      if (matched) this.open.push(line);
    }
    if (!matched) {
      matched = this.starts.find((r) => r.re.test(line));
      if (matched) {
        this.flushInto(out);
        this.open = [line];
      }
    }
    if (matched) {
      this.last = matched;
      if (matched.next.some((r) => r.isStart)) this.flushInto(out);
      return out;
    }
    this.flushInto(out);
    out.push(line);
    return out;
  }

  /** Flushes the open record, as at the end of the input or on shutdown. */
  end(): string[] {
    const out: string[] = [];
    this.flushInto(out);
    return out;
  }

  private flushInto(out: string[]): void {
    if (this.open.length > 0) out.push(this.open.join('\n'));
    this.open = [];
  }
}

/** Runs `lines` (one file's lines, without newlines) through `parser` and returns the records. */
export function joinRecords(parser: MultilineParser, lines: readonly (string | TimedLine)[]): string[] {
  const stream = new MultilineStream(parser);
  return [...lines.flatMap((l) => stream.push(l)), ...stream.end()];
}

/** Problems of a parser's rules as Fluent Bit would find them at start-up, plus the portability checks. */
export function multilineProblems(parser: MultilineParser): string[] {
  const problems: string[] = [];
  if (parser.flushTimeoutMs < 500)
    problems.push(`flush_timeout ${parser.flushTimeoutMs} is below the 500 ms Fluent Bit accepts`);
  const states = new Set(parser.rules.flatMap((r) => r.state.split(',').map((s) => s.trim())));
  if (!states.has(START_STATE)) problems.push(`no rule starts in '${START_STATE}'`);
  for (const [i, rule] of parser.rules.entries()) {
    if (!states.has(rule.nextState))
      problems.push(`rules[${i}]: next_state '${rule.nextState}' is the state of no rule`);
    try {
      toRegExp(rule.regex);
    } catch (error) {
      problems.push(`rules[${i}]: ${(error as Error).message}`);
    }
  }
  return problems;
}
