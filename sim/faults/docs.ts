/**
 * The fault kinds as Markdown and as the `faultline faults` listing, generated from the same
 * declarations as the validator and the JSON Schema, so the README, docs/FAULTS.md and the CLI
 * cannot drift from the code (a test compares the Markdown).
 */
import {
  faultKinds,
  faultKindSpec,
  JSON_FIELD_DEPTH_MAX,
  PLAN_DURATION_MAX_US,
  PLAN_ENTRIES_MAX,
  PLAN_STRING_MAX,
  type FaultKindSpec,
  type FieldSpec,
} from './plan.ts';

/** The bounds every plan has, besides each number field's own range. */
export function planLimitsText(): string {
  return (
    `Every duration (\`at\`, \`for\` and the duration fields) is at most ${PLAN_DURATION_MAX_US / 3_600_000_000}h (10 years), ` +
    `every name at most ${bound(PLAN_STRING_MAX)} characters, a distribution nested at most ${JSON_FIELD_DEPTH_MAX} levels, ` +
    `and a plan has at most ${bound(PLAN_ENTRIES_MAX)} entries; each number field gives its range.`
  );
}

/** A bound as people read it: 1,000,000 and -315,360,000,000, not 1e6. */
function bound(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 6 });
}


function fieldText(name: string, f: FieldSpec): string {
  const req = f.required ? ' (required)' : '';
  if (f.type === 'enum') return `\`${name}\`${req}: ${f.values.map((v) => `\`${v}\``).join(' \\| ')} — ${f.description}`;
  if (f.type === 'number') {
    const range = `${f.integer ? 'an integer ' : ''}from ${bound(f.min)} to ${bound(f.max)}`;
    return `\`${name}\` (${f.required ? 'required, ' : ''}${range}): ${f.description}`;
  }
  return `\`${name}\`${req}: ${f.description}`;
}

/** One `### kind` section per registered kind: description, fields, a JSON example. */
export function faultKindsMarkdown(): string {
  const out: string[] = [planLimitsText(), ''];
  for (const kind of faultKinds()) {
    const k = faultKindSpec(kind)!;
    const fields = Object.entries(k.fields).map(([n, f]) => fieldText(n, f));
    fields.push(k.duration === 'none' ? 'no `for` (instant)' : `\`for\` (${k.duration})`);
    out.push(`### \`${k.kind}\``, '', k.description, '', `Fields: ${fields.join('; ')}.`, '', '```json', JSON.stringify(k.example), '```', '');
  }
  return out.join('\n');
}

/** A field in one line of the CLI listing: `count 1..1,000,000 (integer)`, `scope machine|process`, `target (required)`. */
function fieldShort(name: string, f: FieldSpec): string {
  const req = f.required ? ' (required)' : '';
  switch (f.type) {
    case 'number':
      return `${name} ${bound(f.min)}..${bound(f.max)}${f.integer ? ' integer' : ''}${req}`;
    case 'enum':
      return `${name} ${f.values.join('|')}${req}`;
    case 'string':
      return `${name}${req}`;
    default:
      return `${name} (${f.type})${req}`;
  }
}

function kindFields(k: FaultKindSpec): string {
  const fields = Object.entries(k.fields).map(([n, f]) => fieldShort(n, f));
  if (k.duration !== 'none') fields.push(`for (duration, ${k.duration})`);
  return fields.join(' · ') || '(none)';
}

/** What `faultline faults` prints: per kind its description, its fields with their bounds, an example. */
export function faultKindsListing(): string {
  const pad = ' '.repeat(17);
  return `${planLimitsText().replace(/`/g, '')}\n\n` + faultKinds()
    .map((kind) => {
      const k = faultKindSpec(kind)!;
      return `${k.kind.padEnd(16)} ${k.description}\n${pad}fields: ${kindFields(k)}\n${pad}${JSON.stringify(k.example)}\n`;
    })
    .join('');
}
