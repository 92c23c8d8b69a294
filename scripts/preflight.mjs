// Runs before `npm start` and `npm run dev` (as `prestart`/`predev`), on whatever Node npm found:
// plain JavaScript, so that it can say why the gateway cannot start where the gateway itself
// would only fail with ERR_UNKNOWN_FILE_EXTENSION ".ts". It reads nothing but package.json and
// the pinned binary's path, and exits 0 at once when the running Node can run the sources.
import { existsSync, readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const wanted = manifest.engines.node; // e.g. ">=22.18"
const minimum = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(wanted);
const pinned = new URL('../node_modules/node/bin/node', import.meta.url);

const parts = (version) => version.replace(/^v/, '').split('.').map(Number);
const atLeast = (have, need) => {
  for (let i = 0; i < 3; i += 1) {
    if ((have[i] || 0) !== (need[i] || 0)) return (have[i] || 0) > (need[i] || 0);
  }
  return true;
};

const running = parts(process.version);
const required = minimum ? [Number(minimum[1]), Number(minimum[2] || 0), Number(minimum[3] || 0)] : [0, 0, 0];
// Type stripping (running .ts directly) is what the sources need; engines states the same bound.
const canRun = atLeast(running, required) && Boolean(process.features?.typescript);

if (!canRun) {
  const pinnedMissing = !existsSync(pinned);
  const lines = [
    `The gateway needs Node ${wanted} (it runs its TypeScript sources directly); this is Node ${process.version} (${process.execPath}).`,
  ];
  if (pinnedMissing) {
    lines.push(
      'The project pins Node 24 through its `node` devDependency, but that binary is missing: its install',
      'script did not run (`npm ci --ignore-scripts`, or `npm ci --omit=dev`). Either:',
      '  - run `npm rebuild node` to run that one install script and get the pinned Node, or',
      `  - install Node ${wanted} yourself (e.g. from https://nodejs.org) and run npm start again.`,
    );
  } else {
    lines.push(
      `The pinned Node is in ${pinned.pathname}, but npm did not put it first on PATH.`,
      'Run the gateway through npm (`npm start`), or install Node 24 yourself.',
    );
  }
  process.stderr.write(`${lines.join('\n')}\n`);
  process.exit(1);
}
