/**
 * The cost model: what a design costs per hour to run, from a price table (data, not code).
 *
 * - **Compute**: every node is charged its instance type's hourly price for the simulated time it
 *   was billed (from the start unless declared `billed: false`; `world.setBilled` starts and stops
 *   it, as an autoscaler launching or terminating an instance would). A node with no
 *   `instanceType` is priced as the first of the table's `defaultTypes` with at least its cores.
 * - **Transfer**: every message put on a link is charged by the link's kind — both ends in one
 *   zone, in two zones of one region, or in two regions — per GB of its declared size, a message
 *   that declares none counting as the table's `messageBytes`. A world's declared regions say
 *   which zones are in which region; without them, a zone named like an AWS Availability Zone
 *   (`us-east-1a`) belongs to the region its name starts with (`us-east-1`), and other zone
 *   names are one region.
 *
 * Costs are reported as a rate: dollars per hour of the simulated run
 * (`costPerHourUsd` = what the run spent × 1 h / its simulated length), with its parts: compute,
 * transfer and compute per service (a node hosting several services splits its price evenly among
 * them; a node in no service is listed under its own name).
 */
import { InputError } from '../kernel/errors.ts';
import { checkKeys, expectObject } from '../kernel/suggest.ts';

export interface NodeTypePrice {
  /** On-demand price per hour, in the table's currency. */
  perHour: number;
  /** vCPUs, used to price a node that names no type (see `defaultTypes`). */
  cores?: number;
  /** What this entry stands for, for people reading the table. */
  note?: string;
}

export interface PriceTable {
  /** When these prices were true (e.g. "2024-06"): prices change, a table says when it holds. */
  date: string;
  /** ISO currency code; the figures are reported in it (metric names say Usd for the default table). */
  currency: string;
  /** Where the figures come from, and whether they are illustrative. */
  source?: string;
  nodeTypes: Record<string, NodeTypePrice>;
  /** Types (by increasing size) a node without `instanceType` is priced as: the first with at least its cores. */
  defaultTypes: string[];
  /** Data transfer per GB (10^9 bytes) between two nodes: same zone, two zones of a region, two regions. */
  transferPerGB: { sameZone: number; crossZone: number; crossRegion: number };
  /** Bytes a message counts for when it declares no size. */
  messageBytes: number;
}

/**
 * An example table: illustrative AWS us-east-1 Linux on-demand list prices as published in June
 * 2024 (no network here to check them; give your own with `--prices`). Cross-zone transfer is
 * charged $0.01/GB on each side ($0.02/GB per GB moved); inter-region $0.02/GB; same-zone free.
 */
export const EXAMPLE_PRICES: PriceTable = {
  date: '2024-06',
  currency: 'USD',
  source: 'illustrative: AWS us-east-1 Linux on-demand list prices as published in June 2024; not a quote',
  nodeTypes: {
    't3.medium': { perHour: 0.0416, cores: 2, note: 'burstable, 2 vCPU, 4 GiB' },
    'c5.large': { perHour: 0.085, cores: 2, note: 'compute optimised, 2 vCPU, 4 GiB' },
    'm5.large': { perHour: 0.096, cores: 2, note: 'general purpose, 2 vCPU, 8 GiB' },
    'm5.xlarge': { perHour: 0.192, cores: 4 },
    'm5.2xlarge': { perHour: 0.384, cores: 8 },
    'm5.4xlarge': { perHour: 0.768, cores: 16 },
    'm5.8xlarge': { perHour: 1.536, cores: 32 },
    'm5.16xlarge': { perHour: 3.072, cores: 64 },
    'm5.24xlarge': { perHour: 4.608, cores: 96 },
    'r5.large': { perHour: 0.126, cores: 2, note: 'memory optimised, 2 vCPU, 16 GiB' },
    alb: { perHour: 0.0225, note: 'Application Load Balancer hour (capacity units not modelled)' },
    nlb: { perHour: 0.0225, note: 'Network Load Balancer hour (capacity units not modelled)' },
  },
  defaultTypes: ['m5.large', 'm5.xlarge', 'm5.2xlarge', 'm5.4xlarge', 'm5.8xlarge', 'm5.16xlarge', 'm5.24xlarge'],
  transferPerGB: { sameZone: 0, crossZone: 0.02, crossRegion: 0.02 },
  messageBytes: 1024,
};

const MAX_PRICE = 1e6;

/** Check a price table read from JSON: one line naming the field, its value and what is valid. */
export function validatePriceTable(raw: unknown, where = 'prices'): PriceTable {
  expectObject(where, raw, 'a price table');
  checkKeys(where, raw as Record<string, unknown>, ['date', 'currency', 'source', 'nodeTypes', 'defaultTypes', 'transferPerGB', 'messageBytes']);
  const t = raw as Record<string, unknown>;
  const str = (k: string, v: unknown, pattern?: RegExp, valid?: string): string => {
    if (typeof v !== 'string' || v.length === 0 || v.length > 200 || (pattern && !pattern.test(v))) {
      throw new InputError(`${where}: ${k} must be ${valid ?? 'a non-empty string of at most 200 characters'}, got ${short(v)}`);
    }
    return v;
  };
  const num = (k: string, v: unknown, min: number, max: number): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw new InputError(`${where}: ${k} must be a number from ${min} to ${max}, got ${short(v)}`);
    return v;
  };
  const date = str('date', t.date, /^\d{4}-\d{2}(-\d{2})?$/, 'the date the prices stand for, as YYYY-MM or YYYY-MM-DD');
  const currency = str('currency', t.currency, /^[A-Z]{3}$/, 'a three-letter ISO currency code such as "USD"');
  const source = t.source === undefined ? undefined : str('source', t.source);
  expectObject(`${where}: nodeTypes`, t.nodeTypes, 'a map of type name to { perHour, cores }');
  const nodeTypes: Record<string, NodeTypePrice> = {};
  const entries = Object.entries(t.nodeTypes as Record<string, unknown>);
  if (entries.length === 0 || entries.length > 10_000) throw new InputError(`${where}: nodeTypes must list from 1 to 10000 types, got ${entries.length}`);
  for (const [name, v] of entries) {
    if (name === '__proto__' || name === 'constructor' || name === 'prototype' || name.length > 100) throw new InputError(`${where}: nodeTypes: ${short(name)} is not a valid type name`);
    const at = `nodeTypes.${name}`;
    expectObject(`${where}: ${at}`, v, '{ perHour, cores }');
    checkKeys(`${where}: ${at}`, v as Record<string, unknown>, ['perHour', 'cores', 'note']);
    const e = v as Record<string, unknown>;
    nodeTypes[name] = {
      perHour: num(`${at}.perHour`, e.perHour, 0, MAX_PRICE),
      ...(e.cores === undefined ? {} : { cores: num(`${at}.cores`, e.cores, 1, 1_000_000) }),
      ...(e.note === undefined ? {} : { note: str(`${at}.note`, e.note) }),
    };
  }
  if (!Array.isArray(t.defaultTypes) || t.defaultTypes.length === 0) throw new InputError(`${where}: defaultTypes must list at least one type of nodeTypes, got ${short(t.defaultTypes)}`);
  const defaultTypes = t.defaultTypes.map((d, i) => {
    if (typeof d !== 'string' || !Object.hasOwn(nodeTypes, d)) {
      throw new InputError(`${where}: defaultTypes[${i}] must be a type of nodeTypes (${Object.keys(nodeTypes).slice(0, 8).join(', ')}${entries.length > 8 ? ', …' : ''}), got ${short(d)}`);
    }
    if (nodeTypes[d]!.cores === undefined) throw new InputError(`${where}: defaultTypes[${i}]: ${d} needs cores in nodeTypes (nodes are matched to default types by cores)`);
    return d;
  });
  expectObject(`${where}: transferPerGB`, t.transferPerGB, '{ sameZone, crossZone, crossRegion }');
  checkKeys(`${where}: transferPerGB`, t.transferPerGB as Record<string, unknown>, ['sameZone', 'crossZone', 'crossRegion']);
  const tr = t.transferPerGB as Record<string, unknown>;
  const transferPerGB = {
    sameZone: num('transferPerGB.sameZone', tr.sameZone, 0, MAX_PRICE),
    crossZone: num('transferPerGB.crossZone', tr.crossZone, 0, MAX_PRICE),
    crossRegion: num('transferPerGB.crossRegion', tr.crossRegion, 0, MAX_PRICE),
  };
  const messageBytes = num('messageBytes', t.messageBytes, 0, 1e12);
  return { date, currency, ...(source === undefined ? {} : { source }), nodeTypes, defaultTypes, transferPerGB, messageBytes };
}

export interface BilledNode {
  name: string;
  instanceType: string | undefined;
  cores: number;
  zone: string;
  /** Its region when the world declares regions (else the region is read from an AWS-style zone name). */
  region?: string;
  billedUs: number;
}

export interface LinkTraffic {
  from: string;
  to: string;
  messages: number;
  bytes: number;
}

export interface CostBreakdown {
  /** Everything, per hour of the run. */
  costPerHourUsd: number;
  cost: {
    computePerHourUsd: number;
    transferPerHourUsd: number;
    /** Compute per service (and per node that hosts none), per hour. */
    byServicePerHourUsd: Record<string, number>;
    /** Node-hours billed per instance type over the run. */
    nodeHoursByType: Record<string, number>;
    /** GB moved by kind of link over the run. */
    transferGB: { sameZone: number; crossZone: number; crossRegion: number };
    /** The price table used: its date and currency. */
    prices: string;
  };
}

/** The region of an AWS-style Availability Zone name (`us-east-1a` → `us-east-1`); other names are their own region "default". */
export function regionOfZone(zone: string): string {
  const m = /^([a-z]{2}(?:-[a-z]+)+-\d+)[a-z]$/.exec(zone);
  return m ? m[1]! : 'default';
}

/** The instance type a node is priced as. */
export function priceTypeOf(node: Pick<BilledNode, 'name' | 'instanceType' | 'cores'>, prices: PriceTable): string {
  if (node.instanceType !== undefined) {
    if (!Object.hasOwn(prices.nodeTypes, node.instanceType)) {
      const types = Object.keys(prices.nodeTypes);
      throw new InputError(
        `node ${JSON.stringify(node.name)}: instanceType ${JSON.stringify(node.instanceType)} is not in the price table (${prices.date}); types: ${types.slice(0, 12).join(', ')}${types.length > 12 ? ', …' : ''}`,
      );
    }
    return node.instanceType;
  }
  const fit = prices.defaultTypes.find((t) => (prices.nodeTypes[t]!.cores ?? 0) >= node.cores);
  return fit ?? prices.defaultTypes[prices.defaultTypes.length - 1]!;
}

/**
 * What a run cost, as rates per hour of simulated time. `services` maps a service name to its
 * replica nodes. Sums run in node and link order, so the figures are the same on every platform.
 */
export function costOfRun(o: {
  nodes: readonly BilledNode[];
  traffic: readonly LinkTraffic[];
  services: readonly { name: string; nodes: readonly string[] }[];
  runUs: number;
  prices: PriceTable;
}): CostBreakdown {
  const { prices } = o;
  const runHours = Math.max(o.runUs, 1) / 3.6e9;
  const zoneOf = new Map(o.nodes.map((n) => [n.name, n.zone]));
  // declared regions win over the region read from a zone's name
  const regionOf = new Map(o.nodes.map((n) => [n.name, n.region ?? regionOfZone(n.zone)]));
  const servicesOf = new Map<string, string[]>();
  for (const s of o.services) for (const n of s.nodes) servicesOf.set(n, [...(servicesOf.get(n) ?? []), s.name]);

  let compute = 0;
  const byService: Record<string, number> = {};
  const nodeHoursByType: Record<string, number> = {};
  for (const n of o.nodes) {
    const type = priceTypeOf(n, prices);
    const hours = n.billedUs / 3.6e9;
    const spent = prices.nodeTypes[type]!.perHour * hours;
    compute += spent;
    nodeHoursByType[type] = (nodeHoursByType[type] ?? 0) + hours;
    const owners = servicesOf.get(n.name) ?? [n.name];
    for (const s of owners) byService[s] = (byService[s] ?? 0) + spent / owners.length;
  }
  const gb = { sameZone: 0, crossZone: 0, crossRegion: 0 };
  for (const l of o.traffic) {
    const zf = zoneOf.get(l.from) ?? 'default';
    const zt = zoneOf.get(l.to) ?? 'default';
    const rf = regionOf.get(l.from) ?? regionOfZone(zf);
    const rt = regionOf.get(l.to) ?? regionOfZone(zt);
    const kind = zf === zt ? 'sameZone' : rf === rt ? 'crossZone' : 'crossRegion';
    const unsized = l.bytes === 0 ? l.messages : 0;
    gb[kind] += (l.bytes + unsized * prices.messageBytes) / 1e9;
  }
  const transfer = gb.sameZone * prices.transferPerGB.sameZone + gb.crossZone * prices.transferPerGB.crossZone + gb.crossRegion * prices.transferPerGB.crossRegion;
  const perHour = (x: number): number => round6(x / runHours);
  return {
    costPerHourUsd: perHour(compute + transfer),
    cost: {
      computePerHourUsd: perHour(compute),
      transferPerHourUsd: perHour(transfer),
      byServicePerHourUsd: Object.fromEntries(Object.entries(byService).map(([k, v]) => [k, perHour(v)])),
      nodeHoursByType: Object.fromEntries(Object.entries(nodeHoursByType).map(([k, v]) => [k, round6(v)])),
      transferGB: { sameZone: round6(gb.sameZone), crossZone: round6(gb.crossZone), crossRegion: round6(gb.crossRegion) },
      prices: `${prices.date} ${prices.currency}`,
    },
  };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function short(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  // no terminal escapes, no unbounded echo
  s = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export interface CostRanking {
  /** Variants with a cost, cheapest first: their hourly cost and whether they met every check. */
  rows: { variant: string; costPerHourUsd: number; meetsEveryCheck: boolean }[];
  /** The cheapest variant that met every check (absolute: met, not "as expected"), or null. */
  cheapestPassing: string | null;
  /** The price table's "date currency" label. */
  prices: string | null;
}

/** Rank runs of one scenario by cost and name the cheapest design that meets every check. */
export function rankByCost(results: readonly { variant: string; metrics: Record<string, unknown>; checks: readonly { status: string }[] }[]): CostRanking {
  const rows = results
    .filter((r) => typeof r.metrics.costPerHourUsd === 'number')
    .map((r) => ({ variant: r.variant, costPerHourUsd: r.metrics.costPerHourUsd as number, meetsEveryCheck: r.checks.every((c) => c.status === 'ok') }))
    .sort((a, b) => a.costPerHourUsd - b.costPerHourUsd || (a.variant < b.variant ? -1 : a.variant > b.variant ? 1 : 0));
  const first = results.find((r) => typeof r.metrics.costPerHourUsd === 'number');
  const prices = first ? ((first.metrics.cost as { prices?: string } | undefined)?.prices ?? null) : null;
  return { rows, cheapestPassing: rows.find((r) => r.meetsEveryCheck)?.variant ?? null, prices };
}

/** "$0.606/h" with three significant digits (cents matter at fleet scale, not at run scale). */
export function formatCostPerHour(usd: number): string {
  return `$${usd >= 100 ? usd.toFixed(0) : usd.toPrecision(3)}/h`;
}
