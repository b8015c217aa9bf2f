/**
 * `emulator-server.ts kinesalite|dynalite`: the emulator (in memory) in a process of its own, started
 * the way the tests start it (test/helpers). Prints {"port":N}; see child-server.ts.
 */
import { listenDynalite } from '../../test/helpers/dynalite.js';
import { startKinesalite } from '../../test/helpers/kinesalite.js';
import { serveUntilParentLeaves } from './child-server.js';

const which = process.argv[2];
if (which !== 'kinesalite' && which !== 'dynalite') throw new Error('usage: emulator-server.ts kinesalite|dynalite');
const { endpoint } = which === 'kinesalite' ? await startKinesalite() : await listenDynalite();
serveUntilParentLeaves(Number(new URL(endpoint).port));
