// Entry point for worker threads: worker_threads cannot load .ts directly, so register tsx first,
// then load the TypeScript worker body.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
