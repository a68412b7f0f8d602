/** seedrandom's Alea generator on its own (`seedrandom/lib/alea.js`), without seedrandom's index, which loads every generator and `crypto`. */
declare module 'seedrandom/lib/alea.js' {
  interface AleaState {
    c: number;
    s0: number;
    s1: number;
    s2: number;
  }
  const alea: (seed: string, options: { state: true }) => { (): number; state(): AleaState };
  export default alea;
}
