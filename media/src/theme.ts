/**
 * Colours for the canvas, read from VS Code's `--vscode-*` CSS variables (the HTML report's CSS sets
 * fallbacks) and re-read when the body's theme class changes.
 */
import * as d3 from 'd3';

export interface Theme {
  dark: boolean;
  background: string;
  foreground: string;
  muted: string;
  border: string;
  grid: string;
  failed: string;
  wait: string;
  selection: string;
  range: string;
  running: string;
  runnable: string;
  merged: string;
  font: string;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  return style.getPropertyValue(name).trim() || fallback;
}

export function readTheme(): Theme {
  const style = getComputedStyle(document.body);
  const background = cssVar(style, '--vscode-editor-background', '#ffffff');
  const parsed = d3.hsl(background);
  const dark = document.body.classList.contains('vscode-dark') || (parsed.l ?? 1) < 0.5;
  const contrast = document.body.classList.contains('vscode-high-contrast');
  const foreground = cssVar(style, '--vscode-editor-foreground', dark ? '#cccccc' : '#333333');
  const family = cssVar(style, '--vscode-font-family', 'system-ui, sans-serif');
  return {
    dark,
    background,
    foreground,
    muted: cssVar(style, '--vscode-descriptionForeground', dark ? '#9d9d9d' : '#717171'),
    border: contrast
      ? cssVar(style, '--vscode-contrastBorder', foreground)
      : cssVar(style, '--vscode-panel-border', dark ? '#3c3c3c' : '#e0e0e0'),
    grid: dark ? 'rgba(255,255,255,0.06)' : 'rgba(0,0,0,0.06)',
    failed: cssVar(style, '--vscode-errorForeground', '#e51400'),
    wait: cssVar(style, '--vscode-charts-yellow', dark ? '#cca700' : '#bf8803'),
    selection: cssVar(style, '--vscode-focusBorder', '#007fd4'),
    range: dark ? 'rgba(38,79,120,0.45)' : 'rgba(173,214,255,0.45)',
    running: cssVar(style, '--vscode-charts-green', '#388a34'),
    runnable: cssVar(style, '--vscode-charts-purple', '#652d90'),
    merged: dark ? '#8c8c8c' : '#6f6f6f',
    font: `11px ${family}`,
  };
}

/** Calls `onChange` whenever VS Code switches theme (it swaps the body class). */
export function watchTheme(onChange: () => void): void {
  new MutationObserver(onChange).observe(document.body, {
    attributes: true,
    attributeFilter: ['class', 'data-vscode-theme-kind'],
  });
  // The HTML report follows the system colour scheme instead.
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', onChange);
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * A stable colour per name. Hues near red (15-60 in HCL) are skipped: red is reserved for failures.
 */
export function hashedColour(name: string, theme: Theme): string {
  const h = hash(name);
  const hue = (60 + (h % 315)) % 360;
  const chroma = 40 + ((h >>> 9) % 20);
  return d3.hcl(hue, chroma, theme.dark ? 62 : 58).formatHex();
}

/** A colour per process, spread over the palette by lane order. */
export function processColour(index: number, theme: Theme): string {
  const hue = (index * 137.508 + 200) % 360;
  const safe = hue > 15 && hue < 60 ? hue + 45 : hue;
  return d3.hcl(safe, 45, theme.dark ? 60 : 55).formatHex();
}
