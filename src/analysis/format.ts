/** The diagnosis as plain text, for `parallel-profiler summary` and the terminal. */
import { where } from './findings/context';
import { BREAKDOWN_CATEGORIES, CATEGORY_LABELS, type Diagnosis } from './types';
import { ms, percent } from './util';

export function formatDiagnosis(d: Diagnosis): string {
  const s = d.scaling;
  const lines: string[] = [
    'Scaling',
    `  wall ${ms(s.wallNs)}, ${s.workers} worker(s) on ${s.cores} core(s)`,
    `  achieved parallelism ${s.parallelism.toFixed(2)}` +
      (s.cpuParallelism !== null ? ` (on-CPU ${s.cpuParallelism.toFixed(2)})` : ''),
    `  efficiency ${percent(s.efficiency)} (vs workers ${percent(s.efficiencyVsWorkers)}, ` +
      `vs cores ${percent(s.efficiencyVsCores)})`,
    `  serial fraction ${percent(s.serialFraction)}`,
    `  speedup over one process ${s.speedup.toFixed(2)}x (serial estimate ${ms(s.serialEstimateNs)})`,
    `  Amdahl with ${s.amdahl2x.workers} workers: ${ms(s.amdahl2x.wallNs)}, ` +
      `speedup ${s.amdahl2x.speedup.toFixed(2)}x`,
  ];
  if (s.worstWindows.length > 0) {
    lines.push(
      '  worst windows: ' +
        s.worstWindows
          .map((w) => `${ms(w.startNs)}-${ms(w.endNs)} (${w.busy.toFixed(2)} busy)`)
          .join(', '),
    );
  }
  lines.push('', 'Findings');
  if (d.findings.length === 0) lines.push('  none: no problem costs more than a few % of the run');
  d.findings.forEach((f, i) => {
    lines.push(`  ${i + 1}. ${f.title} - costs ~${ms(f.costNs)} (${percent(f.costShare)})`);
    lines.push(`     at ${where(f.location)}`);
    for (const e of f.evidence) lines.push(`     ${e.label}: ${e.value}`);
    lines.push(`     fix: ${f.fix}`);
  });
  lines.push('', 'Time per process');
  for (const p of d.processes) {
    const parts = BREAKDOWN_CATEGORIES.filter((c) => p.categories[c].ns > 0).map(
      (c) => `${CATEGORY_LABELS[c]} ${ms(p.categories[c].ns)}`,
    );
    lines.push(`  ${p.name} (pid ${p.pid}, ${p.role}, ${ms(p.lifetimeNs)}): ${parts.join(', ')}`);
  }
  return lines.join('\n') + '\n';
}
