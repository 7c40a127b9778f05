/**
 * Entry point of the `parallel-profiler` CLI: dispatches to the commands. Every failure is one line on
 * stderr, prefixed `parallel-profiler:`, and a non-zero exit (2 for usage and preflight problems).
 */
import { TraceFileError } from '../tracefile/tracefile';
import { EXPORT_USAGE, runExport, runSummary, SUMMARY_USAGE } from './inspect';
import { CHECK_USAGE, runCheck } from './check';
import { UsageError } from './options';
import { log, PreflightError, RECORD_USAGE, runRecord } from './record';

const USAGE = `Usage: parallel-profiler COMMAND [options]

Records Python multiprocessing programs and shows how parallel they really ran.

Commands:
  record -o FILE [options] SCRIPT.py [ARGS...]   record a run (also: -m MODULE [ARGS...])
  summary FILE [--json]                          the run at a glance
  export FILE --format chrome|html [-o OUT]      Perfetto JSON or a self-contained HTML report
  check FILE --min-efficiency X [--max-serial-fraction Y]
                                                 CI gate: exit 1 when the run is not parallel enough

Run 'parallel-profiler COMMAND --help' for a command's options.
`;

const COMMANDS: Record<
  string,
  { run: (args: string[]) => number | Promise<number>; usage: string }
> = {
  record: { run: runRecord, usage: RECORD_USAGE },
  summary: { run: runSummary, usage: SUMMARY_USAGE },
  export: { run: runExport, usage: EXPORT_USAGE },
  check: { run: runCheck, usage: CHECK_USAGE + '\n' },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    log(`unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')}; see --help)`);
    return 2;
  }
  if (args[0] === '-h' || args[0] === '--help') {
    process.stdout.write(command.usage);
    return 0;
  }
  try {
    return await command.run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      log(`${name}: ${error.message} (see 'parallel-profiler ${name} --help')`);
      return 2;
    }
    if (error instanceof PreflightError) {
      log(`${name}: ${error.message}`);
      return 2;
    }
    if (error instanceof TraceFileError) {
      log(error.message);
      return 1;
    }
    log(`${name} failed: ${(error as Error).message ?? String(error)}`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    log(`internal error: ${error.stack ?? error.message}`);
    process.exitCode = 1;
  },
);
