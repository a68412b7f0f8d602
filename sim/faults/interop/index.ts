/**
 * Chaos experiments in and out: Chaos Mesh manifests (YAML), AWS FIS experiment templates (JSON)
 * and Toxiproxy toxics (JSON) to a faultline fault plan, and a plan back to each of them.
 *
 * `importChaos` returns a validated plan (the same `parseFaultPlan` a `--faults` file goes
 * through) and the warnings to print; `exportChaos` returns the text to write. Both throw an
 * `InputError` naming the field when something has no equivalent, unless `lenient`.
 */
import { parseAllDocuments, stringify as stringifyYaml } from 'yaml';
import { InputError } from '../../kernel/errors.ts';
import { parseFaultPlan, serializeFaultPlan, type FaultPlan } from '../plan.ts';
import { exportChaosMesh, importChaosMesh } from './chaos-mesh.ts';
import { CHAOS_FORMATS, type ChaosFormat, type ChaosMapping, Reader } from './common.ts';
import { exportFis, importFis } from './fis.ts';
import { exportToxiproxy, importToxiproxy } from './toxiproxy.ts';

export { CHAOS_FORMATS, parseMapping, type ChaosFormat, type ChaosMapping } from './common.ts';

export interface ImportChaosOptions {
  /** The file's name, for error messages. */
  file: string;
  /** Force a format instead of detecting it from the content. */
  format?: ChaosFormat;
  mapping?: ChaosMapping;
  lenient?: boolean;
  /** Seed for Chaos Mesh `mode` and FIS `selectionMode` picks (default 1). */
  seed?: number;
  /** Toxiproxy toxics start at this time (µs, default 0) and last `forUs` (default: to the end). */
  atUs?: number;
  forUs?: number;
  /** Schedules repeat forever: their runs that start before this time (µs) are imported. */
  untilUs?: number;
}

export interface ImportedPlan {
  format: ChaosFormat;
  plan: FaultPlan;
  /** The plan as JSON, ready to write (durations as strings). */
  json: Record<string, unknown>[];
  warnings: string[];
}

/** Parses a file's text (YAML or JSON), detects its format, and converts it. */
export function importChaos(text: string, opts: ImportChaosOptions): ImportedPlan {
  const docs = parseDocuments(text, opts.file);
  const format = opts.format ?? detectFormat(docs, opts.file);
  const r = new Reader(opts.file, opts.lenient ?? false);
  const mapping = opts.mapping ?? {};
  const seed = opts.seed ?? 1;
  const single = (): unknown => {
    if (docs.length !== 1) r.fail('document', `a ${format} file holds one JSON document, found ${docs.length}`);
    return docs[0];
  };
  const raw =
    format === 'chaos-mesh'
      ? importChaosMesh(docs, r, { mapping, seed, ...(opts.untilUs !== undefined ? { untilUs: opts.untilUs } : {}) })
      : format === 'fis'
        ? importFis(single(), r, { mapping, seed })
        : importToxiproxy(single(), r, { mapping, atUs: opts.atUs ?? 0, ...(opts.forUs !== undefined ? { forUs: opts.forUs } : {}) });
  if (raw.length === 0) r.fail('document', 'no fault in the file (an experiment with nothing to inject)');
  const sorted = [...raw].sort((a, b) => a.at - b.at);
  let plan: FaultPlan;
  try {
    plan = parseFaultPlan(sorted);
  } catch (err) {
    throw new InputError(`${opts.file}: the imported plan is not valid: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { format, plan, json: serializeFaultPlan(plan), warnings: r.warnings };
}

export interface ExportChaosOptions {
  file: string;
  mapping?: ChaosMapping;
  lenient?: boolean;
  /** Chaos Mesh experiment / Workflow name prefix. */
  name?: string;
}

export interface ExportedExperiment {
  text: string;
  warnings: string[];
}

/** A validated plan as a Chaos Mesh YAML stream, an AWS FIS template or Toxiproxy JSON. */
export function exportChaos(plan: FaultPlan, format: ChaosFormat, opts: ExportChaosOptions): ExportedExperiment {
  const r = new Reader(opts.file, opts.lenient ?? false);
  const mapping = opts.mapping ?? {};
  if (format === 'chaos-mesh') {
    const docs = exportChaosMesh(plan, r, { mapping, ...(opts.name !== undefined ? { name: opts.name } : {}) });
    if (docs.length === 0) r.fail('plan', 'nothing to export');
    return { text: docs.map((d) => yamlDoc(d)).join('---\n'), warnings: r.warnings };
  }
  const obj = format === 'fis' ? exportFis(plan, r, { mapping }) : exportToxiproxy(plan, r, mapping);
  return { text: JSON.stringify(obj, null, 2) + '\n', warnings: r.warnings };
}

/** Block-style YAML, keys in the order written, no anchors for repeated objects. */
function yamlDoc(d: unknown): string {
  return stringifyYaml(d, { aliasDuplicateObjects: false, lineWidth: 0 });
}

function parseDocuments(text: string, file: string): unknown[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return [JSON.parse(text)];
    } catch (err) {
      throw new InputError(`${file}: not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: unknown[] = [];
  for (const d of list) {
    const e = d.errors[0];
    if (e) throw new InputError(`${file}: not valid YAML: ${e.message.split('\n')[0]}`);
    out.push(d.toJS({ maxAliasCount: 100 }));
  }
  return out;
}

/** Chaos Mesh documents name their apiVersion; a FIS template has actions; the rest are proxies. */
export function detectFormat(docs: readonly unknown[], file: string): ChaosFormat {
  const first = docs.find((d) => d !== null && d !== undefined);
  const o = first as Record<string, unknown> | undefined;
  if (o && typeof o === 'object' && !Array.isArray(o)) {
    if (typeof o.apiVersion === 'string' && o.apiVersion.startsWith('chaos-mesh.org/')) return 'chaos-mesh';
    if (o.kind === 'List' && Array.isArray(o.items)) return 'chaos-mesh';
    if ('actions' in o || ('targets' in o && 'stopConditions' in o)) return 'fis';
    const values = Object.values(o);
    if (values.length > 0 && values.every((v) => v !== null && typeof v === 'object' && ('upstream' in v || 'toxics' in v))) return 'toxiproxy';
  }
  if (Array.isArray(o) && o.every((v) => v !== null && typeof v === 'object' && ('upstream' in v || 'toxics' in v))) return 'toxiproxy';
  throw new InputError(`${file}: not a Chaos Mesh manifest (apiVersion chaos-mesh.org/…), an AWS FIS template (actions, targets) or Toxiproxy proxies (upstream, toxics); give --from ${CHAOS_FORMATS.join('|')}`);
}
