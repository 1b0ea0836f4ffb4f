/**
 * Locating plotly.js in node_modules and turning it into one <script> that a
 * page (notebook output, report.html) loads once.
 *
 * plotly.js-dist 4.1.1 ships only the unminified bundle (~10 MB). Embedded
 * as-is it would add 10 MB to every exported notebook, so by default the
 * bundle is gzipped and base64-encoded (~2.5 MB) and unpacked in the browser
 * with DecompressionStream (Chrome 80+, Firefox 113+, Safari 16.4+). The
 * loader publishes `window.__backsplitPlotly`, a promise of the Plotly object,
 * which every figure script waits on. 'plain' mode inlines the bundle text.
 */
import * as fs from 'fs';
import * as zlib from 'zlib';

/** How the plotly bundle is embedded in a page. */
export type PlotlyEmbedMode = 'gzip' | 'plain';

// Prefer a minified build when one is installed (plotly.js-dist-min), else the full bundle.
const CANDIDATES = ['plotly.js-dist-min/plotly.min.js', 'plotly.js-dist/plotly.min.js', 'plotly.js-dist/plotly.js'];

/**
 * Absolute path of the plotly.js browser bundle in node_modules.
 * @throws Error naming the packages looked for when none is installed
 */
export function plotlyBundlePath(): string {
  for (const c of CANDIDATES) {
    try {
      return require.resolve(c);
    } catch {
      // try the next candidate
    }
  }
  throw new Error(`plotly.js bundle not found: looked for ${CANDIDATES.join(', ')} (npm package plotly.js-dist is a dependency; run npm ci)`);
}

/** Version of the plotly.js bundle that pages embed (from its package.json). */
export function plotlyVersion(): string {
  const p = plotlyBundlePath();
  const pkg = JSON.parse(fs.readFileSync(require.resolve(p.includes('plotly.js-dist-min') ? 'plotly.js-dist-min/package.json' : 'plotly.js-dist/package.json'), 'utf8'));
  return String(pkg.version);
}

const cache = new Map<PlotlyEmbedMode, string>();

/** Global the loader defines: a promise of window.Plotly. */
export const PLOTLY_PROMISE_GLOBAL = '__backsplitPlotly';

/**
 * A <script> element that loads plotly.js into the page once: if `window.Plotly`
 * or the loader promise already exists (a second loader in the same page), it
 * does nothing. Built once per process and cached.
 * @param mode 'gzip' (default, ~2.5 MB) or 'plain' (~10 MB, works without DecompressionStream)
 */
export function plotlyLoaderScript(mode: PlotlyEmbedMode = 'gzip'): string {
  const hit = cache.get(mode);
  if (hit) return hit;
  const g = `window.${PLOTLY_PROMISE_GLOBAL}`;
  const src = fs.readFileSync(plotlyBundlePath());
  let script: string;
  if (mode === 'plain') {
    // '</script' cannot appear in an inline script; '<\/' is the same text inside JS strings and regexes.
    const code = src.toString('utf8').replace(/<\/(script)/gi, '<\\/$1');
    script =
      `<script>if(!window.Plotly){\n${code}\n}\n` +
      `if(!${g})${g}=window.Plotly?Promise.resolve(window.Plotly):Promise.reject(new Error('plotly.js did not define window.Plotly'));</script>`;
  } else if (mode === 'gzip') {
    const b64 = zlib.gzipSync(src, { level: 6 }).toString('base64');
    script =
      `<script>(function(){if(${g})return;if(window.Plotly){${g}=Promise.resolve(window.Plotly);return;}` +
      `var b64="${b64}";` +
      `${g}=(typeof DecompressionStream==="undefined")?Promise.reject(new Error("this browser lacks DecompressionStream, needed to unpack the embedded plotly.js")):` +
      `(function(){var bin=atob(b64),bytes=new Uint8Array(bin.length);for(var i=0;i<bin.length;i++)bytes[i]=bin.charCodeAt(i);` +
      `return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text().then(function(code){` +
      `var s=document.createElement("script");s.text=code;document.head.appendChild(s);` +
      `if(!window.Plotly)throw new Error("plotly.js did not define window.Plotly");return window.Plotly;});})();` +
      `${g}.catch(function(e){console.error("backsplit plots:",e);});})();</script>`;
  } else {
    throw new RangeError(`plotlyLoaderScript: unknown mode '${String(mode)}', expected 'gzip' or 'plain'`);
  }
  cache.set(mode, script);
  return script;
}
