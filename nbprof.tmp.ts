import { benchNetwork } from './bench/network.ts';
const r = benchNetwork({ simSeconds: 4 });
console.log(JSON.stringify(r));
