import * as fs from 'fs';
import * as vscode from 'vscode';
import { toChromeTrace } from '../export/chrome';
import { renderHtmlReport } from '../export/html';
import type { Trace } from '../model/trace';
import { writeTraceFile } from '../tracefile/tracefile';
import type { CurrentTrace } from './currentTrace';
import { TRACE_EDITOR_VIEW_TYPE } from './traceEditor';

/** "Open trace...": picks a trace file and shows it in the trace editor. */
export async function openTrace(target?: vscode.Uri): Promise<void> {
  const uri =
    target ??
    (
      await vscode.window.showOpenDialog({
        title: 'Open a parallel profiler trace',
        canSelectMany: false,
        filters: { 'Parallel Profiler traces': ['pptrace', 'json'] },
      })
    )?.[0];
  if (uri) await vscode.commands.executeCommand('vscode.openWith', uri, TRACE_EDITOR_VIEW_TYPE);
}

/** "Save trace as...", "Export trace for Perfetto...", "Export HTML report...". */
export async function saveCurrentTrace(
  current: CurrentTrace,
  log: vscode.LogOutputChannel,
  format: 'pptrace' | 'chrome' | 'html',
  target?: vscode.Uri,
): Promise<vscode.Uri | undefined> {
  const shown = current.get();
  if (!shown) {
    void vscode.window.showInformationMessage('Run a script or open a trace first.');
    return undefined;
  }
  const { extension, label } = FORMATS[format];
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const suggested = `${shown.name}${extension}`;
  const uri =
    target ??
    (await vscode.window.showSaveDialog({
      title: label,
      defaultUri: folder ? vscode.Uri.joinPath(folder, suggested) : undefined,
      filters: { [label]: [extension.slice(1)] },
    }));
  if (!uri) return undefined;
  try {
    await writeFormat(uri.fsPath, shown.trace, format);
    log.info(`${format} written`);
    return uri;
  } catch (error) {
    log.error(`${format} export failed: ${String(error)}`);
    void vscode.window.showErrorMessage(`Could not write ${uri.fsPath}: ${String(error)}`);
    return undefined;
  }
}

const FORMATS = {
  pptrace: { extension: '.pptrace', label: 'Parallel Profiler trace' },
  chrome: { extension: '.json', label: 'Chrome trace (Perfetto)' },
  html: { extension: '.html', label: 'HTML report' },
} as const;

async function writeFormat(
  file: string,
  trace: Trace,
  format: keyof typeof FORMATS,
): Promise<void> {
  if (format === 'pptrace') {
    writeTraceFile(file, trace);
  } else if (format === 'chrome') {
    fs.writeFileSync(file, JSON.stringify(toChromeTrace(trace)));
  } else {
    fs.writeFileSync(file, renderHtmlReport(trace));
  }
}
