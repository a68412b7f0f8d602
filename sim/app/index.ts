/**
 * The app layer's public API: services on nodes with endpoints, clients, and workloads.
 * Explicit exports only.
 */
export { App, Service, createApp } from './service.ts';
export type { AppContext, Handling, Handler, EndpointSpec, ServiceSpec, ReplicaPicker, ClientOptions } from './service.ts';
export { openLoop, closedLoop, countAttempts, compileRate } from './workload.ts';
export type { RateShape, OpenLoopOptions, ClosedLoopOptions } from './workload.ts';
