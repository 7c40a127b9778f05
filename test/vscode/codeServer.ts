// A real VS Code for tests: code-server (installed by scripts/install-code-server.sh) with isolated
// user-data, extension and XDG folders, shown in headless Debian Chromium through playwright-core.
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { makeExtensionsFolder } from './extensionsFolder';

export const repoRoot = path.resolve(__dirname, '../../..');
export const extensionId = 'parallel-profiler.parallel-profiler';
const codeServerVersion = '4.100.3';

function codeServerEntry(): string {
  const cache = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  const dir =
    process.env.PARALLEL_PROFILER_CODE_SERVER_DIR ??
    path.join(cache, 'parallel-profiler', `code-server-${codeServerVersion}`);
  const entry = path.join(dir, 'node_modules/code-server/out/node/entry.js');
  if (!fs.existsSync(entry)) {
    throw new Error(`code-server is not installed at ${dir}: run scripts/install-code-server.sh`);
  }
  return entry;
}

/** Settings that keep dialogs, tours and network calls out of the way. */
const quietSettings = {
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'workbench.tips.enabled': false,
  'extensions.ignoreRecommendations': true,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'window.restoreWindows': 'none',
  // The DOM renderer keeps terminal text readable by the tests.
  'terminal.integrated.gpuAcceleration': 'off',
};

export interface CodeServerOptions {
  /** With trust enabled the folder opens in restricted mode (no trust prompt). */
  workspaceTrust?: boolean;
  /** Extra environment for the server and so for the extension host. */
  env?: Record<string, string>;
  /** Unpacked extension folders installed in the server's extensions folder. */
  extensions?: string[];
}

/** One code-server process with its own temporary folders. */
export class CodeServer {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly exited: Promise<void>,
    private readonly env: NodeJS.ProcessEnv,
    readonly output: () => string,
  ) {}

  static async start(options: CodeServerOptions = {}): Promise<CodeServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-code-server-'));
    const userData = path.join(dir, 'user-data');
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    const trust = options.workspaceTrust
      ? {
          'security.workspace.trust.enabled': true,
          'security.workspace.trust.startupPrompt': 'never',
        }
      : { 'security.workspace.trust.enabled': false };
    fs.writeFileSync(
      path.join(userData, 'User/settings.json'),
      JSON.stringify({ ...quietSettings, ...trust }, null, 2),
    );
    const extensions = makeExtensionsFolder(path.join(dir, 'extensions'), options.extensions ?? []);
    const xdg = Object.fromEntries(
      ['XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME'].map((name) => {
        const folder = path.join(dir, name.toLowerCase());
        fs.mkdirSync(folder, { recursive: true });
        return [name, folder];
      }),
    );
    const args = [
      codeServerEntry(),
      '--bind-addr=127.0.0.1:0',
      '--auth=none',
      `--config=${path.join(dir, 'config.yaml')}`,
      `--user-data-dir=${userData}`,
      `--extensions-dir=${extensions}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
    ];
    fs.writeFileSync(path.join(dir, 'config.yaml'), 'auth: none\n');
    // Its own process group, so stopping it takes its extension hosts and their children along.
    const env = { ...process.env, ...xdg, ...options.env };
    const child = spawn(process.execPath, args, {
      cwd: dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let output = '';
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const port = await new Promise<number>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      void exited.then(() => reject(new Error(`code-server exited early:\n${output}`)));
    });
    return new CodeServer(dir, port, child, exited, env, () => output);
  }

  /** Runs the code-server CLI against this server's folders. */
  cli(extra: string[]): Promise<string> {
    const args = [
      codeServerEntry(),
      `--user-data-dir=${path.join(this.dir, 'user-data')}`,
      `--extensions-dir=${path.join(this.dir, 'extensions')}`,
      ...extra,
    ];
    return new Promise((resolve, reject) => {
      const cli = spawn(process.execPath, args, {
        env: this.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      cli.stdout.on('data', (c: Buffer) => (text += c.toString()));
      cli.stderr.on('data', (c: Buffer) => (text += c.toString()));
      cli.on('exit', (code) =>
        code === 0 ? resolve(text) : reject(new Error(`code-server ${extra.join(' ')}:\n${text}`)),
      );
    });
  }

  /** The workbench URL for a folder; `payload` entries go to the workbench as launch options. */
  url(folder: string, payload: [string, string][] = []): string {
    const encoded = encodeURIComponent(JSON.stringify([...payload, ['skipWelcome', 'true']]));
    return `http://127.0.0.1:${this.port}/?folder=${encodeURIComponent(folder)}&payload=${encoded}`;
  }

  /** A path on this machine as the workbench addresses it. */
  remoteUri(file: string): string {
    return `vscode-remote://127.0.0.1:${this.port}${file}`;
  }

  /** Stops the server and everything it started, then deletes its folders. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.pid) {
      try {
        process.kill(-this.child.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-(this.child.pid as number), 'SIGKILL');
        } catch {
          // Already gone.
        }
      }, 5000);
      await this.exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A page for the workbench. Waits are generous: the machines running these tests are shared, and
 * a busy one takes tens of seconds to load the workbench.
 */
export async function newWorkbenchPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  page.setDefaultTimeout(180_000);
  return page;
}

/** Opens a workbench URL (the page's scripts keep loading long after the DOM is there). */
export async function openWorkbench(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'domcontentloaded' });
}

/** Leaves the workbench first, so the server ends that window's extension host, then closes. */
export async function closeBrowser(browser: Browser, page: Page | undefined): Promise<void> {
  if (page) await page.goto('about:blank').catch(() => undefined);
  await browser.close();
}

/** The content of this extension's webview (it is two iframes deep). */
export function timelineFrame(page: Page): FrameLocator {
  return page
    .frameLocator(`iframe.webview.ready[src*="extensionId=${extensionId}"]`)
    .frameLocator('iframe#active-frame');
}

/** Runs a command from the palette like a user: F1, its title, Enter (retried until it is listed). */
export async function runFromPalette(page: Page, title: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    const listed = await row.waitFor({ state: 'visible', timeout: 2000 }).then(
      () => true,
      () => false,
    );
    if (listed) {
      await page.keyboard.press('Enter');
      return;
    }
    await page.keyboard.press('Escape');
    if (attempt >= 30) throw new Error(`command "${title}" never showed in the palette`);
    await page.waitForTimeout(1000);
  }
}

/** Copies examples into a fresh workspace folder. */
export function makeWorkspace(examples: string[]): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-workspace-'));
  for (const example of examples) {
    fs.copyFileSync(path.join(repoRoot, 'examples', example), path.join(folder, example));
  }
  return folder;
}
