/**
 * Regions: groups of availability zones far apart (AWS `us-east-1` is made of `us-east-1a`,
 * `us-east-1b`, …). A world with `regions` in its spec knows each node's region through its
 * zone; links between nodes of different regions get the cross-region latency (a distribution,
 * by default a lognormal with a 35 ms median one way: the ~70 ms round trip between AWS
 * us-east-1 and us-west-2 or eu-west-1); `region:<name>` selects a region's nodes wherever a
 * node selector is taken (link rules, fault targets); the `region-outage` fault kind takes a
 * whole region down.
 *
 * A world without `regions` is exactly as before: no link rule is added and nothing is drawn.
 */
import type { DistributionSpec } from '../kernel/distribution.ts';
import { InputError } from '../kernel/errors.ts';
import type { LinkRule } from './network.ts';
import type { Node } from './node.ts';
import type { World, WorldSpec } from './world.ts';

/**
 * Default one-way latency between regions: lognormal, median 35 ms, σ 0.1 (p99 ≈ 44 ms). AWS
 * publishes no SLA for it; measured round trips between us-east-1 and us-west-2 or eu-west-1 are
 * about 65–75 ms.
 */
export const CROSS_REGION_LATENCY_DEFAULT: DistributionSpec = { dist: 'lognormal', median: '35ms', sigma: 0.1 };

/** Zone → region from a spec's `regions` (region → zones); a zone in two regions is an error. */
export function regionMap(regions: Readonly<Record<string, readonly string[]>> | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (regions === undefined) return out;
  if (typeof regions !== 'object' || regions === null || Array.isArray(regions)) {
    throw new InputError('createWorld: regions must map region names to lists of zone names, such as { "us-east-1": ["us-east-1a", "us-east-1b"] }');
  }
  for (const [region, zones] of Object.entries(regions)) {
    if (!Array.isArray(zones) || zones.length === 0) {
      throw new InputError(`createWorld: regions.${region} must be a non-empty list of zone names, such as ["${region}a", "${region}b"]`);
    }
    for (const z of zones) {
      if (typeof z !== 'string' || z.length === 0) throw new InputError(`createWorld: regions.${region} lists ${JSON.stringify(z)}; use zone names (non-empty strings)`);
      const prev = out.get(z);
      if (prev !== undefined && prev !== region) throw new InputError(`createWorld: zone ${JSON.stringify(z)} is in regions ${prev} and ${region}; a zone belongs to one`);
      out.set(z, region);
    }
  }
  return out;
}

/**
 * The link rules of a world with regions: first the cross-region latency between every pair of
 * zones in different regions, then the spec's own rules with `region:<name>` expanded to the
 * region's zones (so they win, as later rules do). Checks that every node's zone is in a region.
 */
export function regionLinkRules(w: World, spec: WorldSpec): LinkRule[] {
  const zones = w.regionZones;
  const regionOf = new Map<string, string>();
  for (const [r, zs] of zones) for (const z of zs) regionOf.set(z, r);
  for (const n of w.nodes) {
    if (!regionOf.has(n.zone)) {
      throw new InputError(
        `createWorld: node ${JSON.stringify(n.name)} is in zone ${JSON.stringify(n.zone)}, which no region lists; regions: ${[...zones].map(([r, zs]) => `${r} (${zs.join(', ')})`).join('; ')}`,
      );
    }
  }
  // only zones with nodes: a selector that matches no node is an error in the network
  const used = new Set(w.nodes.map((n) => n.zone));
  const latency = spec.crossRegionLatency ?? CROSS_REGION_LATENCY_DEFAULT;
  const rules: LinkRule[] = [];
  const names = [...zones.keys()];
  for (let a = 0; a < names.length; a++) {
    for (let b = a + 1; b < names.length; b++) {
      for (const za of zones.get(names[a]!)!) {
        if (!used.has(za)) continue;
        for (const zb of zones.get(names[b]!)!) if (used.has(zb)) rules.push({ from: `zone:${za}`, to: `zone:${zb}`, latency });
      }
    }
  }
  const expand = (sel: string, where: string): string[] => {
    if (!sel.startsWith('region:')) return [sel];
    const r = sel.slice(7);
    const zs = zones.get(r);
    if (zs === undefined) throw new InputError(`createWorld: ${where}: ${JSON.stringify(sel)} names no region; regions: ${names.join(', ')}`);
    return zs.filter((z) => used.has(z)).map((z) => `zone:${z}`);
  };
  (spec.links ?? []).forEach((rule, i) => {
    for (const from of expand(rule.from, `links[${i}].from`)) for (const to of expand(rule.to, `links[${i}].to`)) rules.push({ ...rule, from, to });
  });
  return rules;
}

/** The nodes of region `name` (for `World.select("region:<name>")`). */
export function selectRegion(w: World, name: string, what: string): Node[] {
  const members = w.regions.get(name);
  if (members === undefined || members.length === 0) {
    const known = [...w.regions.keys()];
    throw new InputError(`${what}: "region:${name}" matches no node; ${known.length > 0 ? `valid regions: ${known.join(', ')}` : 'the world declares no regions (give createWorld regions: { name: [zones] })'}`);
  }
  return members.map((n) => w.node(n));
}
