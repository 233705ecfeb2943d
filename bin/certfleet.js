#!/usr/bin/env node
// The certfleet command: the compiled CLI when the build is current, else the sources (see load-current.js).
import { loadCurrent } from './load-current.js';

const { main } = await loadCurrent('cli/main');
process.exitCode = await main(process.argv.slice(2));
