import type { Readable, Writable } from 'stream';
import * as vscode from 'vscode';

/**
 * A terminal showing a profiled program's output, with the line editing of a cooked tty: typed text is
 * echoed and sent to the program's stdin on Enter, Backspace erases, Ctrl+D ends stdin, Ctrl+C asks
 * to stop. Closing the terminal while the program runs stops it too.
 */
export class RunTerminal implements vscode.Disposable {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number | void>();
  private readonly pending: string[] = [];
  private opened = false;
  private line = '';
  private stdin: Writable | undefined;
  private finished = false;
  readonly terminal: vscode.Terminal;

  constructor(name: string, onInterrupt: () => void) {
    const pty: vscode.Pseudoterminal = {
      onDidWrite: this.writeEmitter.event,
      onDidClose: this.closeEmitter.event,
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
      if (char === '\r') {
        this.writeEmitter.fire('\r\n');
        this.stdin?.write(this.line + '\n');
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
        if (this.line) this.stdin?.write(this.line);
        this.line = '';
        this.stdin?.end();
      } else if (char >= ' ') {
        this.line += char;
        this.writeEmitter.fire(char);
      }
    }
  }

  dispose(): void {
    this.writeEmitter.dispose();
    this.closeEmitter.dispose();
  }
}
