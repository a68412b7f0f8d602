// Any one payment replica may crash, or limp, at any time for any time: checkout stays available.
import { itHolds } from 'faultline/vitest';
import checkout from './checkout.ts';

const payment = ['payment-1', 'payment-2', 'payment-3'];

itHolds('the resilient checkout survives any single payment replica failure', checkout, {
  variant: 'resilient',
  runs: 20,
  faults: { kinds: ['crash', 'limp'], maxFaults: 1, targets: { nodes: payment } },
});
