#!/usr/bin/env node
/** `npm start [-- options]`: the whole pipeline on this machine (local/main.ts). */
import { main } from '../local/main';

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
