// Parses each Mermaid file named on the command line with Mermaid's own parser (the one code
// hosts run before drawing) and prints one JSON line per file: {"file", "ok", "error"}.
import { JSDOM } from 'jsdom';
import fs from 'node:fs';

const dom = new JSDOM('<!DOCTYPE html><body></body>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
Object.defineProperty(globalThis, 'navigator', { value: dom.window.navigator, configurable: true });
globalThis.DOMParser = dom.window.DOMParser;
globalThis.Element = dom.window.Element;

const mermaid = (await import('mermaid')).default;
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
for (const file of process.argv.slice(2)) {
  const text = fs.readFileSync(file, 'utf8');
  try {
    const result = await mermaid.parse(text);
    console.log(JSON.stringify({ file, ok: true, type: result.diagramType }));
  } catch (error) {
    console.log(JSON.stringify({ file, ok: false, error: String(error?.message ?? error) }));
  }
}
