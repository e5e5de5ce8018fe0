(function () {
  'use strict';
  // Which document to show is in the fragment, so this one page serves
  // every group of the snapshot and stays byte-identical from night to
  // night: #spec=<sha256>&key=<group key> opens a stored document by its
  // content address, #merged opens the snapshot's merged document. Only
  // those two shapes are accepted, so the page can only ever load a file of
  // the store, never a URL written into the fragment.
  var started = performance.now();
  var box = document.getElementById('redoc');
  var problem = document.getElementById('ref-error');

  function params() {
    var out = {};
    location.hash.slice(1).split('&').forEach(function (kv) {
      var i = kv.indexOf('=');
      var k = i < 0 ? kv : kv.slice(0, i);
      var v = i < 0 ? '' : kv.slice(i + 1);
      try { out[decodeURIComponent(k)] = decodeURIComponent(v); } catch (e) { /* ignore a malformed pair */ }
    });
    return out;
  }

  function fail(msg) {
    problem.textContent = msg;
    problem.hidden = false;
    document.body.setAttribute('data-ready', 'error');
  }

  function show() {
    var p = params();
    var url;
    var name;
    problem.hidden = true;
    document.body.removeAttribute('data-ready');
    if ('merged' in p) {
      url = 'merged.json';
      name = 'every group, merged';
    } else if (/^[0-9a-f]{64}$/.test(p.spec || '')) {
      // An exported bundle names its documents in data-docs; the store
      // keeps them as blobs two folders up.
      var docs = {};
      try { docs = JSON.parse(document.body.getAttribute('data-docs') || '{}'); } catch (e) { docs = {}; }
      url = Object.keys(docs).length ? docs[p.spec] : '../../blobs/sha256/' + p.spec.slice(0, 2) + '/' + p.spec;
      if (!url) { fail('This bundle does not hold document ' + p.spec + '.'); return; }
      name = p.key || p.spec;
    } else {
      fail('No document chosen: open this page from the catalog (index.html).');
      return;
    }
    document.getElementById('ref-name').textContent = name;
    document.title = 'API reference · ' + name;
    var back = document.getElementById('back');
    back.href = 'index.html' + (p.key ? '#' + encodeURIComponent(p.key) : '');
    var hist = document.getElementById('history');
    hist.hidden = !p.key;
    if (p.key) { hist.href = 'history.html#' + encodeURIComponent(p.key); }
    var raw = document.getElementById('raw');
    raw.href = url;
    raw.hidden = false;
    if (typeof Redoc === 'undefined') {
      fail('The renderer (redoc.standalone.js) did not load.');
      return;
    }
    // The document is fetched here rather than by Redoc so that a JSON
    // document can be mended first where Redoc would stop rendering
    // altogether: a $ref that points at nothing (the catalog reports it as
    // an error) becomes an empty schema saying so, and a "required" that
    // is not a list is dropped. YAML documents go to Redoc as they are.
    fetch(url).then(function (r) {
      if (!r.ok) { throw new Error(url + ': ' + r.status); }
      return r.text();
    }).then(function (text) {
      var spec = url;
      try { spec = mend(JSON.parse(text)); } catch (e) { spec = url; }
      render(spec);
    }, function (err) {
      if (location.protocol === 'file:') {
        // Browsers do not let a page opened from a file read the files
        // next to it; the catalog and history pages carry their data, a
        // reference has to fetch its document.
        fail('This page was opened as a file, and browsers do not let such a page read the document it shows. ' +
          'Serve the folder over HTTP and open the page from there (for example, run `python3 -m http.server` ' +
          'in the store or bundle folder and open http://localhost:8000/), or open the document itself with the link above.');
        return;
      }
      fail('The document could not be fetched: ' + (err.message || err));
    });
  }

  function mend(doc) {
    function resolve(ref) {
      var node = doc;
      var parts = ref.slice(2).split('/');
      for (var i = 0; i < parts.length; i++) {
        var k = parts[i].replace(/~1/g, '/').replace(/~0/g, '~');
        if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, k)) { return false; }
        node = node[k];
      }
      return true;
    }
    var seen = 0;
    function walk(node) {
      if (++seen > 2000000 || node === null || typeof node !== 'object') { return node; }
      if (typeof node.$ref === 'string' && node.$ref.indexOf('#/') === 0 && !resolve(node.$ref)) {
        return { description: 'This $ref points at nothing in the document: ' + node.$ref, 'x-unresolved-ref': node.$ref };
      }
      if (Array.isArray(node)) {
        for (var i = 0; i < node.length; i++) { node[i] = walk(node[i]); }
        return node;
      }
      if ('required' in node && typeof node.required === 'boolean' && !('in' in node) && ('type' in node || 'properties' in node || 'format' in node)) {
        delete node.required;
      }
      Object.keys(node).forEach(function (k) { node[k] = walk(node[k]); });
      return node;
    }
    return walk(doc);
  }

  function render(spec) {
    Redoc.init(spec, {
      // Everything the reader needs is in the document: no fonts, no
      // links out, nothing fetched but the document itself.
      hideHostname: false,
      expandResponses: '200,201',
      jsonSampleExpandLevel: 2,
      pathInMiddlePanel: true,
      theme: { typography: { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
        headings: { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif' },
        code: { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' } } }
    }, box, function (err) {
      if (err) {
        fail('The document could not be rendered: ' + (err.message || err));
        return;
      }
      document.body.setAttribute('data-render-ms', String(Math.round(performance.now() - started)));
      document.body.setAttribute('data-ready', 'true');
    });
  }

  window.addEventListener('hashchange', function () { started = performance.now(); show(); });
  show();
})();
