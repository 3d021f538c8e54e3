// Runs queries through the real search client (themes/default/static/search.js) in node, loading
// the index files the way the browser does: each file is a script calling rbSearch.load(name, data).
// Usage: node run_queries.mjs <site dir> <queries.json | -> [search.js]
// Prints JSON: [{query, urls, alerts, mode, files, bytes, ms}], where files/bytes count what the
// query loaded on top of earlier queries (the session is shared, like one page in a browser).
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const [site, queriesArg, clientArg] = process.argv.slice(2);
const client = clientArg || path.join(here, '../../themes/default/static/search.js');
const input = queriesArg === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(queriesArg, 'utf8');
const parsed = JSON.parse(input);
const queries = (parsed.queries || parsed).map((q) => (typeof q === 'string' ? q : q.query));
const fresh = process.env.FRESH === '1'; // a new session per query

function session() {
  const stats = { files: 0, bytes: 0 };
  const context = vm.createContext({ console });
  context.rbSearch = {
    request(name, failed) {
      const file = path.join(site, 'search', name + '.js');
      if (!fs.existsSync(file)) return failed();
      const text = fs.readFileSync(file, 'utf8');
      stats.files += 1;
      stats.bytes += Buffer.byteLength(text);
      vm.runInContext(text, context, { filename: file });
    },
  };
  const source = fs.readFileSync(client, 'utf8');
  stats.bytes += Buffer.byteLength(source);
  vm.runInContext(source, context, { filename: client });
  return { context, stats, engine: new context.rbSearch.Engine() };
}

let s = session();
const out = [];
for (const query of queries) {
  if (fresh) s = session();
  const before = { ...s.stats };
  const started = process.hrtime.bigint();
  const result = await s.engine.search(query, 10);
  const cold = Number(process.hrtime.bigint() - started) / 1e6;
  const again = process.hrtime.bigint();
  await s.engine.search(query, 10);
  const warm = Number(process.hrtime.bigint() - again) / 1e6;
  out.push({
    query,
    urls: result.hits.map((h) => h.url),
    alerts: result.hits.map((h) => h.alert),
    sections: result.hits.map((h) => h.sections),
    mode: result.mode,
    files: s.stats.files - before.files,
    bytes: s.stats.bytes - before.bytes,
    ms_cold: Math.round(cold * 100) / 100,
    ms_warm: Math.round(warm * 100) / 100,
  });
}
process.stdout.write(JSON.stringify(out, null, 1) + '\n');
