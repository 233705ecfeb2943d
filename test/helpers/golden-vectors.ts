import { readdirSync, readFileSync } from 'node:fs';

const FIXTURES = new URL('../fixtures/', import.meta.url);

/** Golden vectors (STYLE.md: `test/fixtures/`), so tests of pure modules do no file I/O of their own. */
export function goldenVector(folder: string, name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`${folder}/${name}`, FIXTURES)));
}

/** The names of a fixture folder's files ending in `extension` (e.g. `.der`), sorted. */
export function goldenVectorNames(folder: string, extension: string): string[] {
  return readdirSync(new URL(`${folder}/`, FIXTURES))
    .filter((name) => name.endsWith(extension))
    .sort();
}
