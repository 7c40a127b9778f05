import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/**
 * A real process that connects to `socketPath`, writes `bytes` and then waits to be killed: how a
 * traced process dies in the middle of a frame. `sent` resolves once the bytes are written.
 */
export function startRawWriter(
  socketPath: string,
  bytes: Buffer,
): { writer: ChildProcess; sent: Promise<unknown> } {
  const writer = spawn(
    process.execPath,
    [
      '-e',
      `const s = require('net').createConnection(process.argv[1], () => {
         s.write(Buffer.from(process.argv[2], 'base64'), () => process.stdout.write('sent'));
       }); setInterval(() => {}, 1000);`,
      socketPath,
      bytes.toString('base64'),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return { writer, sent: new Promise((resolve) => writer.stdout!.once('data', resolve)) };
}
