/** `parallel-profiler summary` and `parallel-profiler export`: read a trace file, print or convert it. */
import * as fs from 'fs';
import { formatSummaryText, summarizeTrace } from '../analysis/summary';
import { toChromeTrace } from '../export/chrome';
import { renderHtmlReport } from '../export/html';
import type { Trace } from '../model/trace';
import { readTraceFile } from '../tracefile/tracefile';
import { parseArgs, stringOption, UsageError } from './options';

export const SUMMARY_USAGE = `Usage: parallel-profiler summary FILE [--json]

Prints the run at a glance: processes, tasks, queues, waits, events, parallelism.

Options:
  --json       machine-readable JSON instead of the text table
  -h, --help   show this help
`;

export const EXPORT_USAGE = `Usage: parallel-profiler export FILE --format chrome|html [-o OUT]

Converts a trace: 'chrome' is Chrome Trace Event JSON for Perfetto (ui.perfetto.dev) and
chrome://tracing; 'html' is a self-contained report (opens offline in a browser).
Without -o the result goes to stdout.

Options:
  --format FORMAT   chrome or html (required)
  -o, --output OUT  file to write
  -h, --help        show this help
`;

const HELP = {
  '-h': { key: 'help', takesValue: false },
  '--help': { key: 'help', takesValue: false },
};

function onePositional(positionals: string[], command: string): string {
  if (positionals.length === 0) throw new UsageError(`${command} needs a trace FILE`);
  if (positionals.length > 1) {
    throw new UsageError(`${command} takes one trace FILE, got ${positionals.length} arguments`);
  }
  return positionals[0];
}

export function runSummary(args: string[]): number {
  const parsed = parseArgs(args, { ...HELP, '--json': { key: 'json', takesValue: false } });
  if (parsed.options.help) {
    process.stdout.write(SUMMARY_USAGE);
    return 0;
  }
  const summary = summarizeTrace(readTraceFile(onePositional(parsed.positionals, 'summary')));
  process.stdout.write(
    parsed.options.json ? JSON.stringify(summary, null, 2) + '\n' : formatSummaryText(summary),
  );
  return 0;
}

const FORMATS: Record<string, (trace: Trace) => string> = {
  chrome: (trace) => JSON.stringify(toChromeTrace(trace)),
  html: renderHtmlReport,
};

export function runExport(args: string[]): number {
  const parsed = parseArgs(args, {
    ...HELP,
    '--format': { key: 'format', takesValue: true },
    '-o': { key: 'output', takesValue: true },
    '--output': { key: 'output', takesValue: true },
  });
  if (parsed.options.help) {
    process.stdout.write(EXPORT_USAGE);
    return 0;
  }
  const file = onePositional(parsed.positionals, 'export');
  const format = stringOption(parsed, 'format');
  const render = format === undefined ? undefined : FORMATS[format];
  if (!render) throw new UsageError(`export needs --format ${Object.keys(FORMATS).join('|')}`);
  const text = render(readTraceFile(file));
  const output = stringOption(parsed, 'output');
  if (output === undefined) {
    process.stdout.write(text + '\n');
    return 0;
  }
  try {
    fs.writeFileSync(output, text);
  } catch (error) {
    throw new Error(`cannot write ${output}: ${(error as Error).message}`);
  }
  return 0;
}
