// Entry point for sweep worker threads. worker_threads cannot load .ts directly, and hooks
// registered in the main thread do not reach a worker: register what the main thread registered
// (`workerLoaders()` in loaders.ts, passed as workerData: tsx for TypeScript, the resolve hook
// that maps `faultline` to the CLI's own copy), then import the worker body.
import { register } from 'node:module';
import { workerData } from 'node:worker_threads';

const { loaders, body } = workerData;
if (loaders.typescript) (await import('tsx/esm/api')).register();
if (loaders.resolveHook) register(loaders.resolveHook.url, { data: loaders.resolveHook.data });
await import(body);
