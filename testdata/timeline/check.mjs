// Loads waittrace --timeline files with the trace model of Chrome DevTools'
// Performance panel (@paulirish/trace_engine, the same code, published on
// npm) and prints, for each file, one line of JSON with what the model made
// of it: the processes and their names, the threads, every slice and
// instant event per thread, and the flows with the events each one joins.
// timeline/e2e_test.go compares that with what the traced program did.
//
//   node check.mjs FILE...            parse as DevTools does (JSON.parse)
//   node check.mjs --repair FILE...   first supply a missing final "]", as
//                                     chrome://tracing and ui.perfetto.dev
//                                     do for a file whose writer was killed

import fs from 'node:fs';

import {polyfillDOMRect} from '@paulirish/trace_engine/analyze-trace.mjs';
import * as Trace from '@paulirish/trace_engine';

const args = process.argv.slice(2);
const repair = args[0] === '--repair';
const files = repair ? args.slice(1) : args;
if (files.length === 0) {
  console.error('usage: node check.mjs [--repair] FILE...');
  process.exit(2);
}
polyfillDOMRect();
for (const file of files) {
  console.log(JSON.stringify(await load(file)));
}

async function load(file) {
  let text = fs.readFileSync(file, 'utf8');
  if (repair && text.trimStart().startsWith('[')) {
    // catapult's importer does this: drop a trailing comma, add the "]".
    text = text.replace(/\s*,\s*$/, '');
    if (!text.trimEnd().endsWith(']')) {
      text += ']';
    }
  }
  const json = JSON.parse(text);
  const events = Array.isArray(json) ? json : json.traceEvents;

  const model = Trace.TraceModel.Model.createWithAllHandlers();
  await model.parse(events);
  const data = model.parsedTrace().data;

  const processes = [...data.Meta.processNames.entries()]
      .map(([pid, ev]) => ({pid, name: ev.args.name}))
      .sort((a, b) => a.pid - b.pid);

  const threads = [];
  for (const [pid, byTid] of data.Meta.threadsInProcess) {
    for (const [tid, ev] of byTid) {
      threads.push({pid, tid, name: ev.args.name});
    }
  }
  threads.sort((a, b) => a.pid - b.pid || a.tid - b.tid);

  const entry = e => ({pid: e.pid, tid: e.tid, name: e.name, ts: e.ts});
  const slices = [];
  const instants = [];
  for (const [pid, proc] of data.Renderer.processes) {
    for (const [tid, thread] of proc.threads) {
      for (const e of thread.entries) {
        if (e.pid !== pid || e.tid !== tid) {
          throw new Error(`event of ${e.pid}/${e.tid} filed under ${pid}/${tid}`);
        }
        if (e.ph === 'X') {
          slices.push({...entry(e), dur: e.dur, args: e.args ?? {}});
        } else {
          instants.push({...entry(e), ph: e.ph, args: e.args ?? {}});
        }
      }
    }
  }
  const byTime = (a, b) => a.ts - b.ts || a.pid - b.pid || a.tid - b.tid;
  slices.sort(byTime);
  instants.sort(byTime);

  const flows = data.Flows.flows.map(flow => flow.map(entry));

  return {
    generic: data.Meta.traceIsGeneric,
    bounds: {min: data.Meta.traceBounds.min, max: data.Meta.traceBounds.max},
    processes,
    threads,
    slices,
    instants,
    flows,
  };
}
