import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  javaMultiline,
  joinRecords,
  multilineProblems,
  startPatternMultiline,
  type MultilineParser,
} from '../../lib/logging/multiline.ts';
import { patternProblem } from '../../lib/spec/logs-checks.ts';
import { loadProject, resolveProject } from '../../lib/spec/project.ts';
import { renderApp } from '../../lib/render/render.ts';
import { REPO_ROOT, fleetRepo } from '../fixture.ts';

function sample(name: string): string[] {
  const text = readFileSync(join(REPO_ROOT, 'test', 'logging', 'samples', name), 'utf8');
  return text.replace(/\n$/, '').split('\n');
}

/** The multiline parser exactly as rendered into an app's collector ConfigMap in the repository. */
async function deployedParser(app: string, env: string): Promise<MultilineParser> {
  const resolved = resolveProject(await loadProject(fleetRepo())).find(
    (a) => a.name === app && a.environment.name === env,
  )!;
  const configMap = renderApp(resolved).find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name === `${app}-log-collector`,
  )!;
  const doc = parse((configMap.data as Record<string, string>)['fluent-bit.yaml']!) as {
    multiline_parsers: {
      name: string;
      flush_timeout: number;
      rules: { state: string; regex: string; next_state: string }[];
    }[];
    pipeline: { inputs: Record<string, string>[] };
  };
  const [p] = doc.multiline_parsers;
  expect(doc.pipeline.inputs[0]!['multiline.parser']).toBe(p!.name);
  return {
    name: p!.name,
    flushTimeoutMs: p!.flush_timeout,
    rules: p!.rules.map((r) => ({ state: r.state, regex: r.regex, nextState: r.next_state })),
  };
}

describe('multiline java mode', () => {
  it('joins Spring Boot stack traces (Caused by, Suppressed, common frames omitted) into their log record', () => {
    // GIVEN a Spring Boot log with a JVM preamble, two exceptions and single-line records
    const lines = sample('spring-boot.log');
    // WHEN the java rules join it
    const records = joinRecords(javaMultiline(), lines);
    // THEN every timestamped line starts a record and every stack line stays with its record
    expect(records).toHaveLength(7);
    expect(records[0]).toMatch(/^Picked up JAVA_TOOL_OPTIONS/);
    expect(records[1]).toMatch(/Started ClaimsApiApplication/);
    const servletError = records[3]!;
    expect(servletError.split('\n')[0]).toMatch(/ERROR 1 --- .* Servlet\.service\(\)/);
    expect(servletError).toContain('Caused by: org.hibernate.exception.JDBCConnectionException');
    expect(servletError).toContain(
      '\tSuppressed: java.lang.IllegalStateException: connection pool closed while waiting',
    );
    expect(servletError).toContain('Caused by: java.sql.SQLTransientConnectionException');
    expect(servletError.split('\n')).toHaveLength(20);
    expect(records[4]).toMatch(/WARN 1 .* took 2108 ms$/);
    expect(records[5]!.split('\n')).toEqual([
      lines[24],
      'java.net.SocketTimeoutException: Read timed out',
      '\tat java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:278)',
      '\tat com.insure.claims.docs.DocumentUploader.upload(DocumentUploader.java:61)',
    ]);
    expect(records[6]).toMatch(/FNOL received for policy POL-2024-0042118$/);
  });

  it('reads bracketed Logback timestamps with comma milliseconds', () => {
    const records = joinRecords(javaMultiline(), sample('logback-bracketed.log'));
    expect(records).toHaveLength(3);
    expect(records[1]!.split('\n')).toHaveLength(5);
    expect(records[1]).toContain('java.lang.IllegalArgumentException: premium must be positive: -12.40');
  });

  it('is what the repository renders: claims-api joins its stack traces with the rules in its prod ConfigMap', async () => {
    const parser = await deployedParser('claims-api', 'prod');
    expect(joinRecords(parser, sample('spring-boot.log'))).toEqual(
      joinRecords(javaMultiline(), sample('spring-boot.log')),
    );
    expect(joinRecords(parser, sample('spring-boot.log'))).toHaveLength(7);
  });
});

describe('multiline start pattern', () => {
  it('joins Node.js error stacks and inspected error objects into the record of their timestamp', async () => {
    // GIVEN notification-dispatcher's deployed parser (a record starts at an ISO timestamp)
    const parser = await deployedParser('notification-dispatcher', 'dev');
    // WHEN a winston-style log runs through it
    const records = joinRecords(parser, sample('node-winston.log'));
    // THEN the two errors keep their stacks and properties
    expect(records).toHaveLength(5);
    expect(records[1]!.split('\n')).toHaveLength(8);
    expect(records[1]).toMatch(/ECONNREFUSED[\s\S]*port: 443\n\}$/);
    expect(records[3]!.split('\n')).toEqual([
      "2024-05-02T02:15:46.310Z error: unhandled rejection TypeError: Cannot read properties of undefined (reading 'email')",
      '    at renderReceipt (/app/dist/templates/receipt.js:42:31)',
      '    at async Dispatcher.send (/app/dist/dispatcher.js:118:20)',
      '    at async Promise.all (index 3)',
    ]);
  });

  it('keeps one JSON line per record for pino logs, whose stacks are escaped inside the line', () => {
    const records = joinRecords(startPatternMultiline('^\\{"level":'), sample('pino.log'));
    expect(records).toEqual(sample('pino.log'));
  });
});

describe('multiline evaluator semantics', () => {
  // The parser and log of Fluent Bit's multiline parsing documentation, with the output it documents.
  const documented: MultilineParser = {
    name: 'multiline-regex-test',
    flushTimeoutMs: 1000,
    rules: [
      { state: 'start_state', regex: String.raw`/([a-zA-Z]+ \d+ \d+\:\d+\:\d+)(.*)/`, nextState: 'cont' },
      { state: 'cont', regex: String.raw`/^\s+at.*/`, nextState: 'cont' },
    ],
  };

  it('gives the output Fluent Bit documents for its own example', () => {
    const lines = [
      'single line...',
      'Dec 14 06:41:08 Exception in thread "main" java.lang.RuntimeException: Something has gone wrong, aborting!',
      '    at com.myproject.module.MyProject.badMethod(MyProject.java:22)',
      '    at com.myproject.module.MyProject.oneMoreMethod(MyProject.java:18)',
      '    at com.myproject.module.MyProject.anotherMethod(MyProject.java:14)',
      '    at com.myproject.module.MyProject.someMethod(MyProject.java:10)',
      '    at com.myproject.module.MyProject.main(MyProject.java:6)',
      'another line...',
    ];
    expect(joinRecords(documented, lines)).toEqual(['single line...', lines.slice(1, 7).join('\n'), 'another line...']);
  });

  it('keeps the last state after an unmatched line, so a later continuation line opens a record of its own', () => {
    const records = joinRecords(documented, [
      'Dec 14 06:41:08 boom',
      '    at a(A.java:1)',
      'noise',
      '    at b(B.java:2)',
      'Dec 14 06:41:09 next',
    ]);
    expect(records).toEqual([
      'Dec 14 06:41:08 boom\n    at a(A.java:1)',
      'noise',
      '    at b(B.java:2)',
      'Dec 14 06:41:09 next',
    ]);
  });

  it('flushes an open record when the flush timer fires between two of its lines', () => {
    const records = joinRecords(documented, [
      { line: 'Dec 14 06:41:08 boom', atMs: 100 },
      { line: '    at a(A.java:1)', atMs: 300 },
      { line: '    at b(B.java:2)', atMs: 1200 },
    ]);
    expect(records).toEqual(['Dec 14 06:41:08 boom\n    at a(A.java:1)', '    at b(B.java:2)']);
  });

  it('flushes right after a rule whose next state is a start state', () => {
    const oneShot: MultilineParser = {
      name: 'pairs',
      flushTimeoutMs: 1000,
      rules: [
        { state: 'start_state', regex: '/^BEGIN/', nextState: 'body' },
        { state: 'body', regex: '/^END/', nextState: 'start_state' },
      ],
    };
    expect(joinRecords(oneShot, ['BEGIN 1', 'END 1', 'BEGIN 2', 'BEGIN 3', 'END 3'])).toEqual([
      'BEGIN 1\nEND 1',
      'BEGIN 2',
      'BEGIN 3\nEND 3',
    ]);
  });

  it('fails a parser Fluent Bit would refuse: short flush timeout, unknown next state, no start state', () => {
    expect(
      multilineProblems({
        name: 'x',
        flushTimeoutMs: 200,
        rules: [{ state: 'cont', regex: '/a/', nextState: 'later' }],
      }),
    ).toEqual([
      'flush_timeout 200 is below the 500 ms Fluent Bit accepts',
      "no rule starts in 'start_state'",
      "rules[0]: next_state 'later' is the state of no rule",
    ]);
  });

  it('fails patterns that Fluent Bit (Onigmo) and JavaScript read differently', () => {
    expect(patternProblem(String.raw`^\h+ trace`)).toContain(String.raw`the escapes \h`);
    expect(patternProblem('^[[:digit:]]{4}')).toContain('POSIX bracket classes');
    expect(patternProblem(String.raw`\A\d{4}`)).toContain(String.raw`the anchors \A`);
    expect(patternProblem('^(unclosed')).toMatch(/^is not a valid regular expression/);
    expect(patternProblem(String.raw`^\d{4}-\d{2}`)).toBeUndefined();
  });
});
