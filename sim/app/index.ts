/**
 * The app layer's public API: services on nodes with endpoints, clients, and workloads.
 * Explicit exports only. Inside `build`, the same are on the build context, bound to the run
 * (`service`, `client`, `openLoop`, …; see `Modelling`).
 */
export { App, Service, createApp } from './service.ts';
export type { AppContext, Handling, Handler, EndpointSpec, ServiceSpec, ReplicaPicker, ClientOptions } from './service.ts';
export { Client, isClient } from './client.ts';
export type { ClientSpec, BoundClient, ClientHealthCheck, ClientLoadBalancer, Bound } from './client.ts';
export { openLoop, closedLoop, countAttempts, compileRate } from './workload.ts';
export { tenantStats, TenantStats, tenantPicker, poisonPillFaultKind } from './tenants.ts';
export type { TenantMix, TenantPicker } from './tenants.ts';
export type { RateShape, OpenLoopOptions, ClosedLoopOptions, WorkloadContext } from './workload.ts';
export type { Modelling, ServiceDecl, Every, BoundBuilder } from './modelling.ts';
export { DRAIN_DEFAULT_US, BACKGROUND_TAIL_US } from './run-end.ts';
export type { RunEnded, EndReason } from './run-end.ts';
export type { ServiceConnectionPoolSpec } from './service.ts';
export { LockSession, lockSession, lockFailure } from './locks.ts';
