import * as vscode from 'vscode';

/** Entry point of the extension host side (filled in by the extension work). */
export function activate(_context: vscode.ExtensionContext): void {}

export function deactivate(): void {}
