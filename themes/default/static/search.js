/* rb-site search client. Loads only the index files a query needs, each through a <script> tag
   calling rbSearch.load(name, data), so it works from file:// as over HTTP and under any sub-path.
   The algorithm mirrors src/search/query.rs (the Rust reference evaluator the tests run):
   keep the two in step. No third-party code. */
(function (global) {
  'use strict';
  var DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_';
  var PREFIX_WEIGHT = 0.9, TYPO_WEIGHT = 0.7, EXPANSIONS = 5, TYPO_MIN_CHARS = 5, PHRASE_CHECKS = 50;
  var DEEPER_SHARDS = 4, TYPO_SHARDS = 3, MAX_KEY_CHARS = 24;
  var FACETS = ['service', 'owner', 'severity', 'tag', 'kind'];
  var WORD = /[\p{Alphabetic}\p{N}]+/gu;
  var rb = global.rbSearch || (global.rbSearch = {});
  var files = {};

  function strip(s) { return s.normalize('NFKD').replace(/\p{M}/gu, ''); }
  function fold(s) { return strip(s).toLowerCase(); }
  function words(s) { return (strip(s).match(WORD) || []).map(function (w) { return w.toLowerCase(); }); }
  function chars(s) { return Array.from(s); }
  function keyFile(k) {
    return chars(k).map(function (c) { return /[a-z0-9]/.test(c) ? c : '_' + c.codePointAt(0).toString(16); }).join('');
  }
  function varints(s) {
    var out = [], v = 0, m = 1;
    for (var i = 0; i < s.length; i++) {
      var d = DIGITS.indexOf(s[i]);
      v += (d & 31) * m;
      if (d < 32) { out.push(v); v = 0; m = 1; } else m *= 32;
    }
    return out;
  }
  function withinOneEdit(a, b) {
    var la = a.length, lb = b.length;
    if (Math.abs(la - lb) > 1) return false;
    var s = 0;
    while (s < la && s < lb && a[s] === b[s]) s++;
    if (s === la && s === lb) return true;
    var ra = a.slice(s).join(''), rb2 = b.slice(s).join(''), A = a.slice(s), B = b.slice(s);
    if (la === lb) {
      return A.slice(1).join('') === B.slice(1).join('') ||
        (A.length >= 2 && A[0] === B[1] && A[1] === B[0] && A.slice(2).join('') === B.slice(2).join(''));
    }
    return la > lb ? A.slice(1).join('') === rb2 : ra === B.slice(1).join('');
  }

  /* Files: rbSearch.load(name, data) resolves whoever waits for `name`. */
  function entry(name) {
    var f = files[name];
    if (!f) {
      f = files[name] = {};
      f.promise = new Promise(function (resolve) { f.resolve = resolve; });
    }
    return f;
  }
  rb.load = function (name, data) { var f = entry(name); f.data = data; f.resolve(data); };
  function get(name) {
    var f = entry(name);
    if (!f.requested) { f.requested = true; rb.request(name, function () { f.resolve(null); }); }
    return f.promise;
  }
  rb.request = rb.request || function (name, failed) {
    var s = document.createElement('script');
    s.src = rb.root + name + '.js';
    s.async = true;
    s.onerror = failed;
    document.head.appendChild(s);
  };

  function parse(q) {
    var p = { words: [], phrases: [], filters: [], alertKey: '' }, all = [], lastOpen = false;
    function push(text, exact) {
      var w = p.words.find(function (x) { return x.text === text; });
      if (w) w.exact = w.exact && exact; else p.words.push({ text: text, prefix: false, exact: exact });
    }
    q.split('"').forEach(function (piece, i) {
      if (i % 2) {
        var ph = words(piece);
        ph.forEach(function (w) { all.push(w); push(w, true); });
        if (ph.length > 1) p.phrases.push(ph);
        lastOpen = false;
        return;
      }
      lastOpen = false;
      piece.split(/\s+/).forEach(function (chunk) {
        if (!chunk) return;
        var c = chunk.indexOf(':');
        if (c >= 0) {
          var facet = chunk.slice(0, c).toLowerCase(), value = chunk.slice(c + 1);
          if (FACETS.indexOf(facet) >= 0 && value) { p.filters.push([facet, fold(value)]); lastOpen = false; return; }
        }
        var ws = words(chunk);
        ws.forEach(function (w) { all.push(w); push(w, false); });
        lastOpen = ws.length > 0;
      });
      if (/\s$/.test(piece)) lastOpen = false;
    });
    if (lastOpen && all.length) {
      var last = p.words.find(function (x) { return x.text === all[all.length - 1]; });
      if (last && !last.exact) last.prefix = true;
    }
    p.alertKey = all.join('');
    return p;
  }

  function Engine() { this.meta = null; }

  /* The key of the vocabulary shard holding `word`: its longest prefix that is a shard key. */
  Engine.prototype.keyFor = function (word) {
    var cs = chars(word);
    for (var n = Math.min(cs.length, MAX_KEY_CHARS); n > 0; n--) {
      var k = cs.slice(0, n).join('');
      if (this.keys.has(k)) return k;
    }
    return null;
  };

  Engine.prototype.shard = function (key) {
    if (key == null) return Promise.resolve(null);
    return get('v/' + keyFile(key)).then(function (shard) {
      if (shard && !shard.map) {
        shard.map = new Map();
        for (var i = 0; i < shard.w.length; i += 2) if (!shard.map.has(shard.w[i])) shard.map.set(shard.w[i], shard.w[i + 1]);
      }
      return shard;
    });
  };

  /* Other shards that may hold a word one edit away: the word with its first two letters
     swapped, and keys of 3+ letters one edit from the word's start; longest first, at most 3. */
  Engine.prototype.typoKeys = function (cs, ownKey) {
    var found = [], swapped = this.keyFor(cs[1] + cs[0] + cs.slice(2).join(''));
    if (swapped != null && swapped !== ownKey) found.push(swapped);
    var near = this.meta.keys.filter(function (key) {
      var k = chars(key), n = k.length;
      if (n < 3 || key === ownKey || found.indexOf(key) >= 0) return false;
      for (var m = n - 1; m <= n + 1; m++) if (m <= cs.length && withinOneEdit(k, cs.slice(0, m))) return true;
      return false;
    });
    near.sort(function (a, b) { return chars(b).length - chars(a).length || (a < b ? -1 : a > b ? 1 : 0); });
    return found.concat(near).slice(0, TYPO_SHARDS);
  };

  /* A word -> its stems: exact surface form, completions of the last word, else one-edit forms. */
  Engine.prototype.expand = function (word) {
    var self = this, cs = chars(word.text), ownKey = this.keyFor(word.text);
    var deeper = [];
    if (word.prefix && cs.length >= 2) {
      deeper = this.meta.keys.filter(function (k) { return chars(k).length > cs.length && k.startsWith(word.text); });
      if (deeper.length > DEEPER_SHARDS) deeper = [];
    }
    return Promise.all([this.shard(ownKey)].concat(deeper.map(function (k) { return self.shard(k); }))).then(function (loaded) {
      var shard = loaded[0], found = new Map();
      function exp(sh, i, weight) {
        var s = sh.s[i];
        return { stem: s[0], file: s[1], df: s[2], partial: s[3] === 1, weight: weight, shard: sh };
      }
      function add(cands) {
        cands.sort(function (a, b) { return b.df - a.df || (a.stem < b.stem ? -1 : a.stem > b.stem ? 1 : 0); });
        var taken = 0;
        for (var i = 0; i < cands.length && taken < EXPANSIONS; i++) {
          if (found.has(cands[i].stem)) continue;
          taken++;
          found.set(cands[i].stem, cands[i]);
        }
      }
      if (shard && shard.map.has(word.text)) add([exp(shard, shard.map.get(word.text), 1)]);
      if (word.prefix && cs.length >= 2) {
        var c = [];
        loaded.forEach(function (sh) {
          if (!sh) return;
          for (var i = 0; i < sh.w.length; i += 2) {
            var s = sh.w[i];
            if (s.length > word.text.length && s.startsWith(word.text)) c.push(exp(sh, sh.w[i + 1], PREFIX_WEIGHT));
          }
        });
        add(c);
      }
      var typo = found.size === 0 && !word.exact && cs.length >= TYPO_MIN_CHARS;
      var others = typo ? self.typoKeys(cs, ownKey) : [];
      return Promise.all(others.map(function (k) { return self.shard(k); })).then(function (more) {
        if (typo) {
          var c = [];
          [shard].concat(more).forEach(function (sh) {
            if (!sh) return;
            for (var i = 0; i < sh.w.length; i += 2) {
              if (withinOneEdit(cs, chars(sh.w[i]))) c.push(exp(sh, sh.w[i + 1], TYPO_WEIGHT));
            }
          });
          add(c);
        }
        return Array.from(found.values()).sort(function (a, b) { return a.stem < b.stem ? -1 : 1; });
      });
    });
  };

  Engine.prototype.postings = function (e) {
    return get('p/' + e.file).then(function (shard) {
      var v = varints((shard && shard[e.stem]) || ''), out = [], doc = 0;
      for (var i = 0; i + 2 < v.length; i += 3) { doc += v[i]; out.push([doc, v[i + 1], v[i + 2]]); }
      return out;
    });
  };

  Engine.prototype.facetDocs = function (facet, value) {
    var list = this.meta.facets[facet] || [], i = list.findIndex(function (v) { return fold(v[0]) === value; });
    if (i < 0) return Promise.resolve(new Set());
    return get('f/' + facet + '-' + i).then(function (data) {
      var doc = 0;
      return new Set(varints(data || '').map(function (d) { doc += d; return doc; }));
    });
  };

  Engine.prototype.fragment = function (doc) { return get('d/' + doc); };

  function fragmentWords(f) {
    var text = f.t;
    f.h.forEach(function (s) { text += ' ' + s[0] + ' ' + s[2]; });
    return words(text);
  }
  function hasPhrase(ws, phrase) {
    outer: for (var i = 0; i + phrase.length <= ws.length; i++) {
      for (var j = 0; j < phrase.length; j++) if (ws[i + j] !== phrase[j]) continue outer;
      return true;
    }
    return false;
  }

  /* The best `limit` results: {hits: [{doc, score, alert, bits, fragment}], terms: surface forms to highlight}. */
  Engine.prototype.search = function (query, limit, extraFilters) {
    var self = this;
    return (this.meta ? Promise.resolve(this.meta) : get('meta')).then(function (meta) {
      self.meta = meta || { n: 0, keys: '', facets: {} };
      if (typeof self.meta.keys === 'string') self.meta.keys = self.meta.keys.split(' ').filter(Boolean);
      self.keys = self.keys || new Set(self.meta.keys);
      var p = parse(query);
      (extraFilters || []).forEach(function (f) { p.filters.push([f[0], fold(f[1])]); });
      var used = p.words.filter(function (w) { return !(w.prefix && chars(w.text).length < 2); });
      return Promise.all(used.map(function (w) { return self.expand(w); })).then(function (groups) {
        return self.rank(p, groups, limit);
      });
    });
  };

  Engine.prototype.rank = function (p, groups, limit) {
    var self = this, n = groups.length, perDoc = new Map(), terms = new Set();
    var jobs = [];
    groups.forEach(function (group, g) {
      group.forEach(function (e) {
        for (var i = 0; i < e.shard.w.length; i += 2) if (e.shard.s[e.shard.w[i + 1]][0] === e.stem) terms.add(e.shard.w[i]);
        jobs.push(self.postings(e).then(function (list) { return [g, e, list]; }));
      });
    });
    var filters = Promise.all(p.filters.map(function (f) { return self.facetDocs(f[0], f[1]); }));
    var alerts = p.alertKey ? this.shard(this.keyFor(p.alertKey)) : Promise.resolve(null);
    return Promise.all([Promise.all(jobs), filters, alerts]).then(function (r) {
      r[0].forEach(function (job) {
        var g = job[0], e = job[1];
        job[2].forEach(function (post) {
          var d = perDoc.get(post[0]);
          if (!d) { d = [new Array(n).fill(0), 0]; perDoc.set(post[0], d); }
          d[0][g] = Math.max(d[0][g], e.weight * post[1]);
          d[1] |= post[2];
        });
      });
      var active = [], required = [];
      groups.forEach(function (group, g) {
        if (!group.length) return;
        active.push(g);
        if (group.every(function (e) { return !e.partial; })) required.push(g);
      });
      if (!required.length) required = active;
      var docs = Array.from(perDoc.keys()).sort(function (a, b) { return a - b; });
      var sum = function (s) { return s.reduce(function (a, b) { return a + b; }, 0); };
      var ranked = [];
      if (active.length === n) {
        docs.forEach(function (doc) {
          var d = perDoc.get(doc);
          if (required.every(function (g) { return d[0][g] > 0; })) ranked.push([doc, sum(d[0]), d[1]]);
        });
      }
      var mode = 'and';
      if (!ranked.length) {
        mode = 'or';
        docs.forEach(function (doc) {
          var d = perDoc.get(doc), matched = d[0].filter(function (s) { return s > 0; }).length;
          ranked.push([doc, sum(d[0]) * matched / n, d[1]]);
        });
      }
      var allowed = null;
      r[1].forEach(function (set) {
        allowed = allowed ? new Set(Array.from(allowed).filter(function (d) { return set.has(d); })) : set;
      });
      if (!n && allowed) ranked = Array.from(allowed).sort(function (a, b) { return a - b; }).map(function (d) { return [d, 0, 0]; });
      if (allowed) ranked = ranked.filter(function (x) { return allowed.has(x[0]); });
      ranked.sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });

      var pinned = [];
      var listed = (r[2] && r[2].a && r[2].a[p.alertKey]) || [];
      listed.forEach(function (a) {
        if ((!allowed || allowed.has(a[0])) && !pinned.some(function (x) { return x[0] === a[0]; })) pinned.push(a);
      });
      var hits = pinned.map(function (a) {
        var x = ranked.find(function (y) { return y[0] === a[0]; });
        return { doc: a[0], score: x ? x[1] : 0, bits: x ? x[2] : 0, alert: a[1] };
      });
      var rest = ranked.filter(function (x) { return !pinned.some(function (a) { return a[0] === x[0]; }); });
      return self.collect(hits, rest, p, limit).then(function (hits) {
        return { hits: hits, terms: Array.from(terms), total: ranked.length, mode: mode };
      });
    });
  };

  /* Takes results in rank order; with phrases, reads fragments to keep those holding them. */
  Engine.prototype.collect = function (hits, rest, p, limit) {
    var self = this, checked = 0, i = 0;
    function next() {
      if (hits.length >= limit || i >= rest.length) return Promise.resolve();
      var x = rest[i++], hit = { doc: x[0], score: x[1], bits: x[2], alert: null };
      if (!p.phrases.length) { hits.push(hit); return next(); }
      if (checked === PHRASE_CHECKS) return Promise.resolve();
      checked++;
      return self.fragment(x[0]).then(function (f) {
        var ws = f ? fragmentWords(f) : [];
        if (p.phrases.every(function (ph) { return hasPhrase(ws, ph); })) hits.push(hit);
        return next();
      });
    }
    return next().then(function () {
      hits = hits.slice(0, limit);
      return Promise.all(hits.map(function (h) { return self.fragment(h.doc); })).then(function (fs) {
        hits.forEach(function (h, k) {
          h.fragment = fs[k] || { t: '', u: '', h: [] };
          h.url = h.fragment.u;
          h.title = h.fragment.t;
          h.sections = [];
          h.fragment.h.forEach(function (s, j) { if (j > 0 && (h.bits & (1 << Math.min(j, 30)))) h.sections.push(s[1]); });
        });
        return hits;
      });
    });
  };

  rb.Engine = Engine;
  rb.parse = parse;
  rb.words = words;
  rb.fold = fold;

  if (typeof document === 'undefined') return;
  var currentScript = document.currentScript;

  /* ---------- UI ---------- */
  var LIMIT = 10, HIGHLIGHT = 'rb-highlight';

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  /* Appends `text` to `into`, with words in `terms` (folded) wrapped in <mark>. */
  function marked(into, text, terms) {
    var last = 0, m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(text))) {
      if (terms.has(fold(m[0]))) {
        into.appendChild(document.createTextNode(text.slice(last, m.index)));
        into.appendChild(el('mark', null, m[0]));
        last = m.index + m[0].length;
      }
    }
    into.appendChild(document.createTextNode(text.slice(last)));
    return into;
  }

  /* ~`size` characters of `text` around its first highlighted word. */
  function excerpt(text, terms, size) {
    var m, at = -1;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(text))) if (terms.has(fold(m[0]))) { at = m.index; break; }
    if (text.length <= size) return text;
    var start = Math.max(0, at - size / 3);
    // Start at the sentence holding the hit when it begins close enough before it.
    var sentence = at > 0 ? Math.max(text.lastIndexOf('. ', at), text.lastIndexOf('? ', at), text.lastIndexOf('! ', at)) : -1;
    if (sentence >= 0 && at - sentence < size * 0.6) start = sentence + 2;
    else if (start > 0) start = text.indexOf(' ', start) + 1 || start;
    var end = Math.min(text.length, start + size);
    // End after a whole sentence when one ends in the last third of the window.
    var stop = Math.max(text.lastIndexOf('. ', end), text.lastIndexOf('? ', end), text.lastIndexOf('! ', end));
    if (end < text.length && stop > start + size * 0.66) end = stop + 1;
    else if (end < text.length) end = text.lastIndexOf(' ', end) > start ? text.lastIndexOf(' ', end) : end;
    return (start > 0 ? '… ' : '') + text.slice(start, end) + (end < text.length ? ' …' : '');
  }
  function hits(text, terms) {
    var m, count = 0;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(text))) if (terms.has(fold(m[0]))) count++;
    return count;
  }

  function highlightPage(terms) {
    var root = document.querySelector('main') || document.body;
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        return node.parentElement.closest('pre,code,svg,script,style,textarea,.rb-search,mark') ?
          NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
      }
    });
    var nodes = [], node, first = null;
    while ((node = walker.nextNode())) nodes.push(node);
    nodes.forEach(function (t) {
      if (!hits(t.nodeValue, terms)) return;
      var span = marked(document.createDocumentFragment(), t.nodeValue, terms);
      span.querySelectorAll('mark').forEach(function (m) { m.className = HIGHLIGHT; first = first || m; });
      t.parentNode.replaceChild(span, t);
    });
    return first;
  }
  function clearHighlight() {
    var marks = document.querySelectorAll('mark.' + HIGHLIGHT);
    marks.forEach(function (m) {
      var parent = m.parentNode;
      parent.replaceChild(document.createTextNode(m.textContent), m);
      parent.normalize();
    });
    if (marks.length && /[?&]highlight=/.test(location.search) && history.replaceState) {
      var url = new URL(location.href);
      url.searchParams.delete('highlight');
      try { history.replaceState(null, '', url.href); } catch (e) { /* file:// may refuse */ }
    }
    return marks.length > 0;
  }

  function init() {
    var box = document.querySelector('.rb-search');
    var input = document.getElementById('rb-search-input');
    var panel = document.getElementById('rb-search-results');
    var script = currentScript || document.querySelector('script[src$="search.js"]');
    var rootAttr = box && box.getAttribute('data-search-root');
    rb.root = rootAttr ? new URL(rootAttr, location.href).href :
      new URL('../search/', (script && script.src) || location.href).href;
    var siteRoot = rb.root.replace(/search\/$/, '');

    var highlight = new URLSearchParams(location.search).get('highlight');
    if (highlight) {
      var first = highlightPage(new Set(words(highlight)));
      if (first && !location.hash) first.scrollIntoView({ block: 'center' });
    }
    // The shortcuts that focus the box (/ s Ctrl+K) are theme.js's: it loads this file.
    document.addEventListener('keydown', function (ev) {
      if (ev.key === 'Escape' && ev.target !== input) clearHighlight();
    });
    if (!box || !input || !panel) return;

    var engine = new Engine(), chips = {}, active = -1, timer = 0, seq = 0, shown = [];
    // A search is due or on its way: its results will open the list.
    var busy = false;

    function open(on) {
      panel.hidden = !on;
      input.setAttribute('aria-expanded', on ? 'true' : 'false');
      if (!on) { active = -1; input.removeAttribute('aria-activedescendant'); }
    }
    // The reader closed the results: a search still on its way must not open them again.
    function close() { clearTimeout(timer); seq++; busy = false; open(false); }
    function options() { return Array.from(panel.querySelectorAll('[role=option]')); }
    function move(to) {
      var list = options();
      if (!list.length) return;
      active = (to + list.length) % list.length;
      list.forEach(function (o, i) { o.setAttribute('aria-selected', i === active ? 'true' : 'false'); });
      input.setAttribute('aria-activedescendant', list[active].id);
      list[active].scrollIntoView({ block: 'nearest', inline: 'nearest' });
    }
    function link(url, anchor, terms) {
      var href = siteRoot + url + 'index.html';
      if (terms.length) href += '?highlight=' + encodeURIComponent(terms.join(' '));
      return href + (anchor ? '#' + anchor : '');
    }

    function render(result, query) {
      panel.textContent = '';
      var terms = new Set(result.terms), qterms = result.terms.slice(0, 24), k = 0;
      var bar = el('div', 'rb-search-chips');
      ['service', 'owner', 'severity'].forEach(function (facet) {
        var values = [];
        if (chips[facet]) values.push(chips[facet]);
        result.hits.forEach(function (h) {
          var v = h.fragment[{ service: 's', owner: 'o', severity: 'v' }[facet]];
          if (v && values.indexOf(v) < 0) values.push(v);
        });
        if (values.length < 2 && !chips[facet]) return;
        values.forEach(function (v) {
          var on = chips[facet] === v, b = el('button', 'rb-chip' + (on ? ' rb-chip-on' : ''));
          b.appendChild(el('span', 'rb-chip-facet', facet + ': '));
          b.appendChild(document.createTextNode(v));
          b.type = 'button';
          b.setAttribute('aria-pressed', on ? 'true' : 'false');
          b.dataset.facet = facet;
          b.title = facet + ': ' + v;
          b.addEventListener('mousedown', function (e) { e.preventDefault(); });
          b.addEventListener('click', function () {
            if (on) delete chips[facet]; else chips[facet] = v;
            run();
            input.focus();
          });
          bar.appendChild(b);
        });
      });
      if (bar.childNodes.length) panel.appendChild(bar);
      if (!result.hits.length) {
        panel.appendChild(el('p', 'rb-search-empty', 'No runbooks match “' + query + '”.'));
      }
      result.hits.forEach(function (h) {
        var f = h.fragment, item = el('div', 'rb-result');
        var a = el('a', 'rb-result-main');
        a.id = 'rb-opt-' + k++;
        a.setAttribute('role', 'option');
        a.href = link(f.u, '', qterms);
        var head = el('span', 'rb-result-head');
        head.appendChild(marked(el('span', 'rb-result-title'), f.t, terms));
        if (f.s) head.appendChild(el('span', 'rb-badge rb-service', f.s));
        if (f.v) head.appendChild(el('span', 'rb-badge rb-sev rb-sev-' + fold(f.v).replace(/[^a-z0-9]+/g, '-'), f.v));
        a.appendChild(head);
        if (h.alert) a.appendChild(el('span', 'rb-result-alert', 'Runbook for alert ' + h.alert));
        var best = 0, bestHits = -1;
        f.h.forEach(function (s, i) { var c = hits(s[2], terms); if (c > bestHits) { best = i; bestHits = c; } });
        var text = (f.h[best] && f.h[best][2]) || '';
        if (text) a.appendChild(marked(el('span', 'rb-result-excerpt'), excerpt(text, terms, 180), terms));
        item.appendChild(a);
        var subs = f.h.map(function (s, i) { return [s, i, hits(s[0] + ' ' + s[2], terms)]; })
          .filter(function (x) { return x[1] > 0 && h.sections.indexOf(x[0][1]) >= 0; })
          .sort(function (x, y) { return y[2] - x[2] || x[1] - y[1]; }).slice(0, 3)
          .sort(function (x, y) { return x[1] - y[1]; });
        subs.forEach(function (x) {
          var s = x[0], sub = el('a', 'rb-result-sub');
          sub.id = 'rb-opt-' + k++;
          sub.setAttribute('role', 'option');
          sub.href = link(f.u, s[1], qterms);
          sub.appendChild(marked(el('span', 'rb-sub-title'), s[0], terms));
          if (s[2]) sub.appendChild(marked(el('span', 'rb-sub-excerpt'), excerpt(s[2], terms, 110), terms));
          item.appendChild(sub);
        });
        panel.appendChild(item);
      });
      shown = result.hits;
      active = -1;
      open(true);
    }

    function run() {
      var q = input.value, mine = ++seq;
      var filters = Object.keys(chips).map(function (f) { return [f, chips[f]]; });
      if (!q.trim() && !filters.length) { busy = false; open(false); panel.textContent = ''; return; }
      busy = true;
      engine.search(q, LIMIT, filters).then(function (result) {
        if (mine === seq) { busy = false; render(result, q); }
      });
    }
    input.addEventListener('input', function () { clearTimeout(timer); busy = true; timer = setTimeout(run, 60); });
    input.addEventListener('focus', function () { if (shown.length && input.value.trim()) open(true); });
    input.addEventListener('blur', function () { setTimeout(function () { if (!box.contains(document.activeElement)) close(); }, 150); });
    input.addEventListener('keydown', function (ev) {
      if (ev.key === 'ArrowDown') { ev.preventDefault(); if (panel.hidden) run(); else move(active + 1); }
      else if (ev.key === 'ArrowUp') { ev.preventDefault(); move(active - 1); }
      else if (ev.key === 'Enter') {
        var list = options(), target = list[active >= 0 ? active : 0];
        if (target && !panel.hidden) { ev.preventDefault(); location.href = target.href; }
      } else if (ev.key === 'Escape') {
        if (!panel.hidden || busy) { ev.preventDefault(); close(); } else if (!clearHighlight()) { input.blur(); }
      }
    });
    // Loaded on demand: what the reader typed while this file was on its way.
    if (input.value.trim()) run();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})(typeof window !== 'undefined' ? window : globalThis);
