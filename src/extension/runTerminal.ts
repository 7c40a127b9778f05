import type { Readable, Writable } from 'stream';
import * as vscode from 'vscode';

/**
 * A terminal showing a profiled program's output, with the line editing of a cooked tty: typed text is
 * echoed and sent to the program's stdin on Enter, Backspace erases, Ctrl+D ends stdin, Ctrl+C asks
 * to stop. Closing the terminal while the program runs stops it too.
 */
export class RunTerminal implements vscode.Disposable {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly pending: string[] = [];
  private opened = false;
  private line = '';
  private lastInput = '';
  private stdin: Writable | undefined;
  /** Input typed before the program's stdin was attached; `null` marks Ctrl+D. */
  private readonly early: (string | null)[] = [];
  private finished = false;
  readonly terminal: vscode.Terminal;

  constructor(name: string, onInterrupt: () => void) {
    const pty: vscode.Pseudoterminal = {
      onDidWrite: this.writeEmitter.event,
      open: () => {
        this.opened = true;
        this.pending.splice(0).forEach((text) => this.writeEmitter.fire(text));
      },
      close: () => {
        if (!this.finished) onInterrupt();
      },
      handleInput: (data) => this.input(data, onInterrupt),
    };
    this.terminal = vscode.window.createTerminal({ name, pty, isTransient: true });
  }

  /** Streams the program's output into the terminal and keystrokes into its stdin. */
  attach(stdout: Readable | null, stderr: Readable | null, stdin: Writable | null): void {
    stdout?.setEncoding('utf8').on('data', (text: string) => this.write(text));
    stderr?.setEncoding('utf8').on('data', (text: string) => this.write(text));
    this.stdin = stdin ?? undefined;
    // A program that exits without reading its input must not turn our writes into crashes.
    this.stdin?.on('error', () => undefined);
    this.early.splice(0).forEach((text) => this.toProgram(text));
  }

  /** Writes program or profiler text; lone `\n` become `\r\n` as a terminal needs. */
  write(text: string): void {
    const converted = text.replace(/\r?\n/g, '\r\n');
    if (this.opened) this.writeEmitter.fire(converted);
    else this.pending.push(converted);
  }

  /** The program is gone: further input is ignored and closing the terminal stops nothing. */
  finish(summary: string): void {
    this.finished = true;
    this.stdin = undefined;
    this.write(`\n\x1b[2m[${summary}]\x1b[0m\n`);
  }

  private input(data: string, onInterrupt: () => void): void {
    if (this.finished) return;
    for (const char of data) {
      // Enter sends \r; pasted text may hold \n or \r\n.
      const afterReturn = this.lastInput === '\r';
      this.lastInput = char;
      if (char === '\n' && afterReturn) continue;
      if (char === '\r' || char === '\n') {
        this.writeEmitter.fire('\r\n');
        this.toProgram(this.line + '\n');
        this.line = '';
      } else if (char === '\x7f' || char === '\b') {
        if (this.line.length > 0) {
          this.line = [...this.line].slice(0, -1).join('');
          this.writeEmitter.fire('\b \b');
        }
      } else if (char === '\x03') {
        this.writeEmitter.fire('^C\r\n');
        onInterrupt();
      } else if (char === '\x04') {
        if (this.line) this.toProgram(this.line);
        this.line = '';
        this.toProgram(null);
      } else if (char >= ' ') {
        this.line += char;
        this.writeEmitter.fire(char);
      }
    }
  }

  /** Writes to the program's stdin (`null` ends it), or keeps it until the program is attached. */
  private toProgram(text: string | null): void {
    if (this.finished) return;
    if (!this.stdin) this.early.push(text);
    else if (text === null) this.stdin.end();
    else this.stdin.write(text);
  }

  dispose(): void {
    this.writeEmitter.dispose();
  }
}
