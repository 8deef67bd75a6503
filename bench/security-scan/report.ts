import type { Step } from './settings';

export const tail = (text: string, lines = 25) => text.trimEnd().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');

export function report(step: Step, output = ''): void {
  const verdict = step.failure ? `FAILED (${step.failure})` : step.findings.length ? `${step.findings.length} finding(s)` : 'no findings';
  console.log(`\n${step.tool} ${step.target}: ${step.requests} requests in ${step.seconds.toFixed(0)} s, ${verdict}`);
  for (const f of step.findings.slice(0, 40)) console.log(`  finding: ${f}`);
  if (step.findings.length > 40) console.log(`  … and ${step.findings.length - 40} more`);
  for (const n of step.notes) console.log(`  note: ${n}`);
  if (step.failure && output) console.log(`  last output:\n${tail(output)}`);
}
