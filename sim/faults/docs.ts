/**
 * The fault kinds as Markdown, generated from the same declarations as the validator and the JSON
 * Schema, so the README and docs/FAULTS.md cannot drift from the code (a test compares them).
 */
import { faultKinds, faultKindSpec, type FieldSpec } from './plan.ts';

function fieldText(name: string, f: FieldSpec): string {
  const req = f.required ? ' (required)' : '';
  if (f.type === 'enum') return `\`${name}\`${req}: ${f.values.map((v) => `\`${v}\``).join(' \\| ')} — ${f.description}`;
  return `\`${name}\`${req}: ${f.description}`;
}

/** One `### kind` section per registered kind: description, fields, a JSON example. */
export function faultKindsMarkdown(): string {
  const out: string[] = [];
  for (const kind of faultKinds()) {
    const k = faultKindSpec(kind)!;
    const fields = Object.entries(k.fields).map(([n, f]) => fieldText(n, f));
    fields.push(k.duration === 'none' ? 'no `for` (instant)' : `\`for\` (${k.duration})`);
    out.push(`### \`${k.kind}\``, '', k.description, '', `Fields: ${fields.join('; ')}.`, '', '```json', JSON.stringify(k.example), '```', '');
  }
  return out.join('\n');
}
