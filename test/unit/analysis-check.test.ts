import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCheck } from '../../src/cli/check';
import { writeTraceFile } from '../../src/tracefile/tracefile';
import { fn, makeTrace, proc, task, wait } from './analysis-trace';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-check-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Two workers busy `busyMs` of a 100 ms run (main waits throughout). */
function traceFile(name: string, busyMs: number): string {
  const file = path.join(dir, name);
  writeTraceFile(
    file,
    makeTrace(100, {
      processes: [
        proc(100, 'main', 0, 100),
        proc(201, 'pool-worker', 0, 100),
        proc(202, 'pool-worker', 0, 100),
      ],
      tasks: [201, 202].map((pid) => task(pid, 0, busyMs, fn('work'))),
      waits: [wait(100, 'result', 0, 100)],
    }),
  );
  return file;
}

test('check passes a run meeting the thresholds and fails one that does not', async () => {
  const good = traceFile('good.pptrace', 90);
  const poor = traceFile('poor.pptrace', 30);
  assert.equal(await runCheck([good, '--min-efficiency', '0.8']), 0);
  assert.equal(await runCheck([good, '--min-efficiency=0.8', '--max-serial-fraction', '0.2']), 0);
  assert.equal(await runCheck([poor, '--min-efficiency', '0.8']), 1);
  assert.equal(
    await runCheck([poor, '--min-efficiency', '0.2', '--max-serial-fraction', '0.5']),
    1,
  );
  assert.equal(await runCheck([poor, '--min-efficiency', '0.2']), 0);
});

test('check: usage errors and unreadable traces exit 2', async () => {
  const good = traceFile('usage.pptrace', 90);
  assert.equal(await runCheck([good]), 2);
  assert.equal(await runCheck(['--min-efficiency', '0.5']), 2);
  assert.equal(await runCheck([good, '--min-efficiency', '1.5']), 2);
  assert.equal(await runCheck([good, '--min-efficiency', 'abc']), 2);
  assert.equal(await runCheck([good, '--min-efficiency', '0.5', '--bogus']), 2);
  assert.equal(await runCheck([path.join(dir, 'missing.pptrace'), '--min-efficiency', '0.5']), 2);
});
