/**
 * The world layer's public API: the things that fail. Explicit, named exports only.
 */
export { createWorld, World } from './world.ts';
export type { WorldContext, WorldSpec, WorldNodeSpec, DiskSpec } from './world.ts';
export { Node, NODE_STATES, CONFIG_EFFECTS } from './node.ts';
export type { NodeSpec, NodeState, NodeError, NodeConfig, ConfigEffect, ExecuteCallback } from './node.ts';
export { Network, DROP_REASONS } from './network.ts';
export type { Message, MessageHandler, CallCallback, CallError, DropReason, LinkOptions, LinkRule, LinkEffect } from './network.ts';
export { Disk, diskChecksum, DISK_ERRORS } from './disk.ts';
export type { DiskOptions, DiskData, DiskOp, DiskError, DiskReadResult, DiskReadCallback, DiskWriteCallback, DiskEffect } from './disk.ts';
export { MemoryStore, DEFAULT_BITFLIP_RATE_PER_GB_PER_HOUR, flipBit } from './memory.ts';
export type { MemoryValue, MemoryRead, MemoryOptions } from './memory.ts';
export { Clock } from './clock.ts';
export type { ClockBasis, ClockOptions } from './clock.ts';
export {
  partitionGroups,
  partitionIsolate,
  partitionMajorityMinority,
  partitionBridge,
  partitionRandomHalves,
  PARTITION_MODES,
  PARTITION_DIRECTIONS,
} from './partition.ts';
export type { PartitionMode, PartitionDirection } from './partition.ts';
export { prepareFault, worldFaultKinds } from './faults.ts';
export type { FaultLike, PreparedFault } from './faults.ts';
export { CROSS_REGION_LATENCY_DEFAULT, asyncReplicatedStore, AsyncReplicatedStore } from './regions.ts';
export type { AsyncReplicatedStoreOptions, AckedWrite, LogEntry, StoreValue } from './regions.ts';
export { dnsFailover, nodeProbe, DnsFailover, ROUTE53_HEALTHY_SHARE } from './dns.ts';
export type { DnsFailoverOptions, DnsHealthCheckOptions, DnsProbe } from './dns.ts';
export { backups, Backups, dataDeleteFaultKind } from './backup.ts';
export type { BackupOptions, SnapshotOptions, Snapshot, RestorePlan } from './backup.ts';
export { ThreadPool, ConnectionPool } from './pools.ts';
export type { ThreadPoolSpec, ConnectionPoolSpec, PoolTask, Connector, ConnectionCallback } from './pools.ts';
export { gcPauseUs } from './gc.ts';
export type { GcSpec } from './gc.ts';
export type { ColdStartSpec } from './node.ts';
export { LockTable, lockTable, lockTablesOf, waitsFor, findWaitCycle, describeCycle, describeStuck } from './locks.ts';
export type { LockTableOptions, LockContext, LockMode, LockKind, LockError, StuckWaiter, WaitEdge } from './locks.ts';
