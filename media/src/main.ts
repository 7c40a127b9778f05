/**
 * Entry point of the timeline webview. In VS Code (`acquireVsCodeApi` exists) it asks the host for a
 * snapshot and follows its messages; in the standalone HTML report it reads the trace inlined in
 * `<script type="application/json" id="trace-data">`.
 */
import type { Trace } from '../../src/model/trace';
import type { FromWebview, ToWebview } from '../../src/protocol/webview';
import { DiagnosisView } from './diagnosisView';
import { bindInput } from './input';
import { buildDom } from './panels';
import { watchTheme } from './theme';
import { Timeline, type ViewState } from './timeline';

function start(): void {
  const vscode = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : null;
  const post = vscode ? (message: FromWebview) => vscode.postMessage(message) : null;
  const root = document.getElementById('app') ?? document.body;
  const save = vscode ? (state: ViewState) => vscode.setState(state) : null;
  const view = new Timeline(buildDom(root), post, save);
  const diagnosis = new DiagnosisView(
    view.e.diagnosis,
    view,
    post ? (file, line) => post({ type: 'goToSource', file, line }) : undefined,
  );
  bindInput(view);
  watchTheme(() => view.onThemeChange());
  new ResizeObserver(() => view.resize()).observe(view.e.scroll);

  window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
    const message = event.data;
    try {
      switch (message?.type) {
        case 'snapshot':
          view.load(
            message.trace,
            message.live,
            (vscode?.getState() as ViewState | undefined) ?? null,
          );
          diagnosis.update(true);
          break;
        case 'delta':
          view.applyDelta(message.delta);
          diagnosis.update(false);
          break;
        case 'ended':
          view.ended(message.meta);
          diagnosis.update(true);
          break;
        case 'error':
          view.showError(message.message);
          break;
        default:
          post?.({ type: 'log', level: 'warn', message: 'timeline: unknown message type' });
      }
    } catch (error) {
      view.showError(`Could not show the trace: ${error instanceof Error ? error.message : error}`);
    }
  });

  if (post) {
    post({ type: 'ready' });
    return;
  }
  const inline = document.getElementById('trace-data');
  if (!inline?.textContent) {
    view.showError('No trace data in this page.');
    return;
  }
  try {
    view.load(JSON.parse(inline.textContent) as Trace, false);
    diagnosis.update(true);
  } catch (error) {
    view.showError(`Could not read the trace: ${error instanceof Error ? error.message : error}`);
  }
}

start();
