/**
 * The keys of every world spec object, checked when a world is built so that a typo (`nodez`,
 * `servicetime`) is an error naming the key, where it was and the closest valid key instead of a
 * setting silently ignored. Each list is a `Record<keyof Spec, true>`, so the compiler fails when
 * a spec gains a field that is not listed here (or a listed one goes away).
 */
import { checkKeys, expectObject } from '../kernel/suggest.ts';
import type { ClockOptions } from './clock.ts';
import type { DiskOptions } from './disk.ts';
import type { MemoryOptions } from './memory.ts';
import type { LinkOptions, LinkRule } from './network.ts';
import { COLD_START_KEYS, type NodeSpec } from './node.ts';
import { GC_KEYS } from './gc.ts';
import type { DiskSpec, WorldSpec } from './world.ts';

const WORLD: Record<keyof WorldSpec, true> = { nodes: true, nodeDefaults: true, zones: true, racks: true, network: true, links: true, disks: true, regions: true, crossRegionLatency: true, applyFaults: true };
const NODE: Record<keyof NodeSpec | 'disk', true> = {
  name: true,
  zone: true,
  rack: true,
  instanceType: true,
  billed: true,
  cores: true,
  serviceTime: true,
  queue: true,
  queueMax: true,
  concurrencyMax: true,
  memoryLimitMb: true,
  memoryBaseMb: true,
  leakMbPerHour: true,
  restartDelay: true,
  restartPolicy: true,
  clock: true,
  memory: true,
  onUncorrectableMemory: true,
  gc: true,
  coldStart: true,
  disk: true,
};
const CLOCK: Record<keyof ClockOptions, true> = { offsetUs: true, driftPpm: true };
const MEMORY: Record<keyof MemoryOptions, true> = { ecc: true, rateGbPerHour: true, dramMb: true };
const DISK: Record<keyof DiskOptions, true> = {
  readLatency: true,
  writeLatency: true,
  fsyncLatency: true,
  throughputMbPerSec: true,
  queueDepth: true,
  capacityBlocks: true,
  tornWritePercent: true,
};
const LINK: Record<keyof LinkOptions, true> = {
  latency: true,
  lossPercent: true,
  duplicatePercent: true,
  corruptPercent: true,
  reorderPercent: true,
  reorderDelay: true,
  bandwidthBytesPerSec: true,
  fifo: true,
};
const LINK_RULE: Record<keyof LinkRule, true> = { ...LINK, from: true, to: true, bidirectional: true };

export const WORLD_KEYS = Object.keys(WORLD);
export const NODE_KEYS = Object.keys(NODE);
export const DISK_KEYS = Object.keys(DISK);
export const LINK_KEYS = Object.keys(LINK);

/** Check the keys of a node spec (also its clock, memory and disk options). */
export function checkNodeSpecKeys(where: string, value: unknown, allowName = true): void {
  expectObject(where, value, 'a node spec');
  const spec = value as Record<string, unknown>;
  checkKeys(where, spec, allowName ? NODE_KEYS : NODE_KEYS.filter((k) => k !== 'name'));
  if (spec.clock !== undefined) {
    expectObject(`${where}.clock`, spec.clock);
    checkKeys(`${where}.clock`, spec.clock as object, Object.keys(CLOCK));
  }
  if (spec.memory !== undefined) {
    expectObject(`${where}.memory`, spec.memory);
    checkKeys(`${where}.memory`, spec.memory as object, Object.keys(MEMORY));
  }
  for (const [field, keys] of [
    ['gc', GC_KEYS],
    ['coldStart', COLD_START_KEYS],
  ] as const) {
    if (spec[field] === undefined) continue;
    expectObject(`${where}.${field}`, spec[field]);
    checkKeys(`${where}.${field}`, spec[field] as object, Object.keys(keys));
  }
  if (spec.disk !== undefined && typeof spec.disk === 'object' && spec.disk !== null) checkKeys(`${where}.disk`, spec.disk as object, DISK_KEYS);
}

/** Check every key of a world spec, nested specs included; `where` is how the spec is named ("createWorld"). */
export function checkWorldSpecKeys(where: string, spec: WorldSpec): void {
  checkKeys(where, spec, WORLD_KEYS);
  spec.nodes?.forEach((n, i) => {
    if (typeof n !== 'string') checkNodeSpecKeys(`${where}: nodes[${i}]`, n);
  });
  if (spec.nodeDefaults !== undefined) checkNodeSpecKeys(`${where}: nodeDefaults`, spec.nodeDefaults, false);
  if (spec.network !== undefined) {
    expectObject(`${where}: network`, spec.network, 'link options');
    checkKeys(`${where}: network`, spec.network, LINK_KEYS);
  }
  spec.links?.forEach((r, i) => {
    expectObject(`${where}: links[${i}]`, r, 'a link rule');
    checkKeys(`${where}: links[${i}]`, r, Object.keys(LINK_RULE));
  });
  spec.disks?.forEach((d: DiskSpec, i) => {
    expectObject(`${where}: disks[${i}]`, d, 'a disk spec');
    checkKeys(`${where}: disks[${i}]`, d, [...DISK_KEYS, 'node', 'name']);
  });
}
