(function () {
  'use strict';
  var started = performance.now();

  // Everything on the page comes from the JSON block below the markup and is
  // written with textContent, never as HTML, so names taken from specs
  // cannot inject markup or script.
  var data = JSON.parse(document.getElementById('catalog-data').textContent);
  // What names the snapshot (its id, the one it was compared with, when it
  // was made, the timeline) comes from snapshot.js beside the page, so the
  // page itself is the same bytes on every night that changed nothing.
  var snap = window.specharvestSnapshot || {};
  var groups = data.groups || [];
  var changeOf = {};
  ((data.changes && data.changes.groups) || []).forEach(function (c) { changeOf[c.key] = c; });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function badge(cls, text) { return el('span', 'badge ' + cls, text); }
  function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }
  // Links come from the store (relative) or from documents (server URLs);
  // only relative and http(s) targets are ever made clickable.
  function safeHref(h) {
    if (!h) { return null; }
    var m = /^([a-zA-Z][a-zA-Z0-9+.\-]*):/.exec(h);
    if (m && !/^https?$/i.test(m[1])) { return null; }
    return h;
  }
  function fold(s) { return String(s || '').toLowerCase(); }
  // The reference page reads which document to show from its fragment.
  function referenceLink(g) {
    return 'reference.html#spec=' + g.sha256 + '&key=' + encodeURIComponent(g.key);
  }

  // ---- totals -------------------------------------------------------------
  (function renderTotals() {
    var t = data.totals || {};
    var box = document.getElementById('totals');
    // The change cards count what the changes section counts: a group
    // added or removed is not "changed", it has a card of its own.
    var s = (data.changes && data.changes.summary) || {};
    var counts = {
      groups: t.groups, operations: t.operations, ok: t.ok, changed: s.groups_changed,
      added: s.groups_added, removed: s.groups_removed, breaking: t.breaking, stale: t.stale,
      failed: t.failed, invalid: t.invalid
    };
    ['groups', 'operations', 'ok', 'changed', 'added', 'removed', 'breaking', 'stale', 'failed', 'invalid'].forEach(function (k) {
      if ((k === 'added' || k === 'removed') && !counts[k]) { return; }
      var c = el('div', 'card' + ((k === 'breaking' || k === 'failed' || k === 'removed') && counts[k] > 0 ? ' bad' : ''));
      c.setAttribute('data-card', k);
      c.appendChild(el('b', '', counts[k] || 0));
      c.appendChild(el('span', '', k));
      box.appendChild(c);
    });
  })();

  // ---- groups tree --------------------------------------------------------
  // Rows are built once; filtering only flips their hidden flag, and the
  // operations of a group are built the first time it is opened, so the
  // page stays quick with thousands of groups and a hundred thousand
  // operations.
  var rows = new Array(groups.length);
  var hay = new Array(groups.length);
  var opHay = new Array(groups.length);
  var sections = [];
  var query = [];

  function totalsText(t) {
    var parts = [plural(t.groups || 0, 'group'), plural(t.operations || 0, 'operation')];
    if (t.breaking) { parts.push(t.breaking + ' breaking'); }
    if (t.failed) { parts.push(t.failed + ' failed'); }
    if (t.stale) { parts.push(t.stale + ' stale'); }
    if (t.invalid) { parts.push(t.invalid + ' invalid'); }
    return parts.join(' · ');
  }

  function validity(g) {
    if (g.status === 'failed' && !g.sha256) { return badge('s-failed', 'not fetched'); }
    if (g.valid) { return badge('v-valid', g.warnings ? 'valid · ' + plural(g.warnings, 'warning') : 'valid'); }
    return badge('v-invalid', 'invalid · ' + plural(g.errors || 0, 'error'));
  }

  function buildRow(i) {
    var g = groups[i];
    var wrap = el('div', 'group');
    wrap.id = 'g:' + g.key;
    var row = el('div', 'row');
    row.setAttribute('role', 'button');
    row.setAttribute('tabindex', '0');
    row.setAttribute('aria-expanded', 'false');
    row.appendChild(el('span', 'caret', '▸'));
    row.appendChild(badge('s-' + fold(g.status).replace(/[^a-z]/g, ''), g.status));
    row.appendChild(validity(g));
    row.appendChild(el('span', 'name', g.group || g.key));
    if (g.title && g.title !== g.group) { row.appendChild(el('span', 'title', g.title)); }
    if (g.version) { row.appendChild(el('span', 'ver', 'v' + String(g.version).replace(/^v/, ''))); }
    row.appendChild(el('span', 'ops', plural(g.operations || 0, 'op')));
    if (g.change) { row.appendChild(badge('c-' + g.change, g.change)); }
    if (g.breaking) { row.appendChild(badge('l-breaking', g.breaking + ' breaking')); }
    var hint = el('span', 'hint');
    row.appendChild(hint);
    var links = el('span', 'links');
    function link(text, target, cls) {
      var a = el('a', cls, text);
      a.href = target;
      a.addEventListener('click', function (ev) { ev.stopPropagation(); });
      links.appendChild(a);
    }
    if (/^[0-9a-f]{64}$/.test(g.sha256 || '')) { link('reference', referenceLink(g), 'ref'); }
    link('history', 'history.html#' + encodeURIComponent(g.key), 'hist');
    var href = safeHref(g.document);
    if (href) { link('document', href, 'doc'); }
    row.appendChild(links);
    wrap.appendChild(row);
    var state = { el: wrap, row: row, hint: hint, detail: null, open: false, hidden: false, matches: null };
    function toggle() { setOpen(i, !state.open); }
    row.addEventListener('click', toggle);
    row.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); toggle(); }
    });
    rows[i] = state;
    hay[i] = fold([g.key, g.source, g.instance, g.workspace, g.group, g.title, g.version, g.status,
      g.change, (g.tags || []).join(' '), (g.servers || []).join(' ')].join(' '));
    return wrap;
  }

  function setOpen(i, open) {
    var s = rows[i];
    s.open = open;
    s.el.classList.toggle('open', open);
    s.row.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (open) {
      if (!s.detail) {
        s.detail = el('div', 'detail');
        s.el.appendChild(s.detail);
      }
      renderDetail(i);
      s.detail.hidden = false;
    } else if (s.detail) {
      s.detail.hidden = true;
    }
  }

  function renderDetail(i) {
    var g = groups[i];
    var s = rows[i];
    var d = s.detail;
    d.textContent = '';
    var dl = el('dl');
    function item(k, v, mono) {
      if (v === undefined || v === null || v === '' || (Array.isArray(v) && !v.length)) { return; }
      dl.appendChild(el('dt', '', k));
      dl.appendChild(el('dd', mono ? 'mono' : '', Array.isArray(v) ? v.join(', ') : v));
    }
    item('key', g.key, true);
    item('title', g.title);
    item('version', g.version);
    item('openapi', g.openapi);
    item('servers', g.servers, true);
    item('tags', g.tags);
    item('sha256', g.sha256, true);
    item('changed in', g.changed_in);
    item('error', g.error);
    if (!g.valid && g.sha256) { item('validation', plural(g.errors || 0, 'error') + ', ' + plural(g.warnings || 0, 'warning')); }
    d.appendChild(dl);

    var ch = changeOf[g.key];
    if (ch && ch.findings && ch.findings.length) {
      d.appendChild(el('strong', '', 'Changes since the previous snapshot'));
      d.appendChild(findingList(ch.findings, 50));
    }

    var ops = g.ops || [];
    var shown = s.matches && query.length ? s.matches : null;
    var list = shown ? shown.map(function (k) { return ops[k]; }) : ops;
    if (!ops.length) {
      d.appendChild(el('p', 'muted', g.operations ? plural(g.operations, 'operation') + ' (not listed: the document could not be read)' : 'No operations.'));
      return;
    }
    if (shown) { d.appendChild(el('p', 'muted', list.length + ' of ' + plural(ops.length, 'operation') + ' match the filter')); }
    var table = el('table', 'ops-table');
    var head = el('tr');
    ['method', 'path', 'summary'].forEach(function (h) { head.appendChild(el('th', '', h)); });
    table.appendChild(head);
    var frag = document.createDocumentFragment();
    list.forEach(function (op) {
      var tr = el('tr', op[3] ? 'deprecated op' : 'op');
      tr.appendChild(el('td', 'method m-' + op[0], op[0]));
      tr.appendChild(el('td', 'mono', op[1]));
      tr.appendChild(el('td', '', op[2] || ''));
      frag.appendChild(tr);
    });
    table.appendChild(frag);
    d.appendChild(table);
  }

  function buildTree() {
    var tree = document.getElementById('tree');
    var bySection = {};
    groups.forEach(function (g, i) {
      var k = JSON.stringify([g.source, g.instance || '', g.workspace || '']);
      (bySection[k] = bySection[k] || []).push(i);
    });
    var frag = document.createDocumentFragment();
    (data.instances || []).forEach(function (inst) {
      var di = el('details', 'instance');
      di.open = true;
      var si = el('summary', '', (inst.source || '') + (inst.instance ? ' / ' + inst.instance : ''));
      si.appendChild(el('span', 'sum', totalsText(inst.totals || {})));
      di.appendChild(si);
      var instSection = { el: di, groups: [], children: [] };
      (inst.workspaces || []).forEach(function (ws) {
        var idx = bySection[JSON.stringify([inst.source, inst.instance || '', ws.workspace || ''])] || [];
        var dw = el('details', 'workspace');
        dw.open = true;
        var sw = el('summary', '', ws.workspace || '(no workspace)');
        sw.appendChild(el('span', 'sum', totalsText(ws.totals || {})));
        dw.appendChild(sw);
        var box = el('div', 'groups');
        idx.forEach(function (i) { box.appendChild(buildRow(i)); });
        dw.appendChild(box);
        di.appendChild(dw);
        instSection.children.push({ el: dw, groups: idx });
        instSection.groups = instSection.groups.concat(idx);
      });
      sections.push(instSection);
      frag.appendChild(di);
    });
    tree.appendChild(frag);
  }

  // ---- filtering ----------------------------------------------------------
  function wanted(g) {
    switch (document.getElementById('show').value) {
      case 'changed': return !!g.change;
      case 'breaking': return g.breaking > 0;
      case 'problems': return g.status !== 'ok' || !g.valid;
    }
    return true;
  }

  function matchOps(i) {
    var ops = groups[i].ops || [];
    if (!ops.length) { return []; }
    if (!opHay[i]) {
      opHay[i] = ops.map(function (op) { return fold(op[0] + ' ' + op[1] + ' ' + (op[2] || '') + ' ' + (op[4] || '')); });
    }
    var out = [];
    var h = opHay[i];
    var gh = hay[i];
    for (var k = 0; k < h.length; k++) {
      var ok = true;
      for (var t = 0; t < query.length; t++) {
        if (h[k].indexOf(query[t]) < 0 && gh.indexOf(query[t]) < 0) { ok = false; break; }
      }
      if (ok) { out.push(k); }
    }
    return out;
  }

  function applyFilter() {
    query = fold(document.getElementById('search').value).split(/\s+/).filter(Boolean);
    var visible = 0;
    for (var i = 0; i < groups.length; i++) {
      var s = rows[i];
      var show = wanted(groups[i]);
      var matches = null;
      if (show && query.length) {
        var gm = true;
        for (var t = 0; t < query.length; t++) {
          if (hay[i].indexOf(query[t]) < 0) { gm = false; break; }
        }
        matches = matchOps(i);
        if (!gm && !matches.length) { show = false; }
        if (gm && matches.length === (groups[i].ops || []).length) { matches = null; }
      }
      s.matches = matches;
      var hint = matches && matches.length ? plural(matches.length, 'matching operation') : '';
      if (s.hint.textContent !== hint) { s.hint.textContent = hint; }
      if (s.hidden === show) {
        s.hidden = !show;
        s.el.hidden = !show;
      }
      if (show) {
        visible++;
        if (s.open) { renderDetail(i); }
      }
    }
    sections.forEach(function (inst) {
      var any = false;
      inst.children.forEach(function (ws) {
        var wsAny = ws.groups.some(function (i) { return !rows[i].hidden; });
        ws.el.hidden = !wsAny;
        any = any || wsAny;
      });
      inst.el.hidden = !any;
    });
    filterChanges();
    document.getElementById('result-count').textContent =
      visible === groups.length ? plural(groups.length, 'group') : 'Showing ' + visible + ' of ' + plural(groups.length, 'group');
  }

  var pending = 0;
  function scheduleFilter() {
    clearTimeout(pending);
    pending = setTimeout(applyFilter, 120);
  }

  // ---- changes ------------------------------------------------------------
  function findingList(findings, limit) {
    var ul = el('ul', 'findings');
    function add(from, to) {
      for (var k = from; k < to; k++) {
        var f = findings[k];
        var li = el('li');
        li.appendChild(badge('l-' + fold(f.level).replace(/[^a-z]/g, ''), f.level));
        li.appendChild(document.createTextNode(' '));
        if (f.operation) { li.appendChild(el('code', '', f.operation)); li.appendChild(document.createTextNode(' ')); }
        li.appendChild(el('span', '', f.message));
        li.appendChild(el('span', 'muted', ' (' + f.id + (f.location ? ', ' + f.location : '') + ')'));
        ul.appendChild(li);
      }
    }
    add(0, Math.min(limit, findings.length));
    if (findings.length > limit) {
      var more = el('button', 'more', 'Show all ' + findings.length);
      more.type = 'button';
      more.addEventListener('click', function () { more.remove(); add(limit, findings.length); });
      ul.appendChild(more);
    }
    return ul;
  }

  // What a change without findings means, so an empty entry is not a puzzle.
  var changeNote = {
    removed: 'Its source no longer lists it: every client of it breaks.',
    changed: 'Its document changed, but nothing a client relies on.',
    stale: 'It could not be fetched this time; the previous document is kept.',
    added: 'New in this snapshot.'
  };

  function renderChanges() {
    var box = document.getElementById('changes-body');
    var c = data.changes;
    if (!c) {
      box.appendChild(el('p', 'muted', 'This is the first snapshot: there is nothing to compare it with.'));
      return;
    }
    var s = c.summary || {};
    var p = el('p');
    p.appendChild(el('strong', s.breaking ? 'l-breaking' : '', plural(s.breaking || 0, 'breaking change')));
    p.appendChild(document.createTextNode(' · ' + (s.non_breaking || 0) + ' non-breaking · ' +
      (s.groups_added || 0) + ' added · ' + (s.groups_removed || 0) + ' removed · ' +
      (s.groups_changed || 0) + ' changed · ' + (s.groups_stale || 0) + ' stale, since ' + (snap.previous || 'the previous snapshot')));
    box.appendChild(p);
    var list = c.groups || [];
    if (!list.length) {
      box.appendChild(el('p', 'muted', 'No group changed.'));
      return;
    }
    var holder = el('div');
    box.appendChild(holder);
    var step = 100;
    var done = 0;
    var more = null;
    function add(from, to) {
      for (var k = from; k < to; k++) {
        var g = list[k];
        var div = el('div', 'change' + (g.breaking ? ' has-breaking' : ''));
        changeRows.push({ el: div, hay: fold([g.key, g.change, g.error].concat((g.findings || []).map(function (f) {
          return [f.id, f.level, f.operation, (f.operations || []).join(' '), f.location, f.message].join(' ');
        })).join(' ')) });
        var head = el('div', 'change-head');
        head.appendChild(badge('c-' + fold(g.change).replace(/[^a-z]/g, ''), g.change));
        var name = el('a', 'mono', g.key);
        name.href = '#' + encodeURIComponent(g.key);
        head.appendChild(name);
        if (g.breaking) { head.appendChild(badge('l-breaking', g.breaking + ' breaking')); }
        if (g.warning) { head.appendChild(badge('l-warning', g.warning + ' warning')); }
        if (g.info) { head.appendChild(badge('l-info', g.info + ' info')); }
        div.appendChild(head);
        if (g.error) { div.appendChild(el('p', 'muted', 'Not compared: ' + g.error)); }
        if (g.findings && g.findings.length) {
          div.appendChild(findingList(g.findings, 10));
          var ex = el('a', 'explore', 'before and after');
          ex.href = 'changes.html#' + encodeURIComponent(g.key);
          div.appendChild(ex);
        } else if (!g.error && changeNote[g.change]) {
          div.appendChild(el('p', 'muted', changeNote[g.change]));
        }
        holder.appendChild(div);
      }
      done = to;
    }
    add(0, Math.min(step, list.length));
    if (list.length > done) {
      more = el('button', 'more', 'Show all ' + plural(list.length, 'changed group'));
      more.type = 'button';
      more.addEventListener('click', function () { showAllChanges(); });
      box.appendChild(more);
    }
    changeCount = el('p', 'muted change-count');
    changeCount.hidden = true;
    box.insertBefore(changeCount, holder);
    showAllChanges = function () {
      if (more) { more.remove(); more = null; }
      if (done < list.length) { add(done, list.length); }
    };
  }

  // The search box filters the changes as it filters the groups: a changed
  // group stays listed when every word typed is in its key or in one of
  // its findings (rule, level, operation, location or message).
  var changeRows = [];
  var changeCount = null;
  var showAllChanges = function () {};
  function filterChanges() {
    if (!changeCount) { return; }
    if (query.length) { showAllChanges(); }
    var shown = 0;
    changeRows.forEach(function (r) {
      var ok = true;
      for (var t = 0; t < query.length; t++) {
        if (r.hay.indexOf(query[t]) < 0) { ok = false; break; }
      }
      r.el.hidden = !ok;
      if (ok) { shown++; }
    });
    changeCount.hidden = !query.length;
    changeCount.textContent = 'Showing ' + shown + ' of ' + plural(changeRows.length, 'changed group') + ' matching the filter';
  }

  // ---- timeline -----------------------------------------------------------
  function renderTimeline() {
    var box = document.getElementById('timeline-body');
    var t = (snap.timeline || []).slice(0, 30);
    if (!t.length) {
      box.appendChild(el('p', 'muted', 'No earlier snapshots recorded.'));
      return;
    }
    var table = el('table');
    var head = el('tr');
    head.appendChild(el('th', '', 'snapshot'));
    head.appendChild(el('th', '', ''));
    ['specs', 'ok', 'stale', 'failed', 'invalid', 'operations', 'changed', 'breaking', 'non-breaking'].forEach(function (h) {
      head.appendChild(el('th', 'num', h));
    });
    table.appendChild(head);
    t.forEach(function (e) {
      var tr = el('tr', e.id === snap.snapshot ? 'current' : '');
      tr.appendChild(el('td', 'mono', e.id));
      var bar = el('div', 'bar');
      var total = e.specs || 1;
      [['b-ok', e.ok], ['b-stale', e.stale], ['b-failed', e.failed]].forEach(function (b) {
        var seg = el('i', b[0]);
        seg.style.width = (100 * (b[1] || 0) / total) + '%';
        bar.appendChild(seg);
      });
      var cell = el('td');
      cell.appendChild(bar);
      tr.appendChild(cell);
      [e.specs, e.ok, e.stale, e.failed, e.invalid, e.operations, e.changed, e.breaking, e.non_breaking].forEach(function (v) {
        tr.appendChild(el('td', 'num', v || 0));
      });
      table.appendChild(tr);
    });
    box.appendChild(table);
  }

  // ---- start --------------------------------------------------------------
  function openFromHash() {
    var key;
    try { key = decodeURIComponent(location.hash.slice(1)); } catch (e) { return; }
    if (!key) { return; }
    for (var i = 0; i < groups.length; i++) {
      if (groups[i].key === key) {
        if (rows[i].hidden) {
          document.getElementById('search').value = '';
          document.getElementById('show').value = 'all';
          applyFilter();
        }
        setOpen(i, true);
        rows[i].el.scrollIntoView({ block: 'start' });
        return;
      }
    }
  }

  (function renderSnapshot() {
    var meta = document.getElementById('snapshot-meta');
    if (!snap.snapshot) {
      meta.textContent = 'The snapshot this catalog belongs to is named in ' + 'snapshot.js and manifest.json beside this page.';
      return;
    }
    document.title = 'API catalog · ' + snap.snapshot;
    meta.appendChild(document.createTextNode('Snapshot '));
    meta.appendChild(el('strong', '', snap.snapshot));
    var rest = '';
    if (snap.previous) { rest += ' · compared with ' + snap.previous; }
    if (snap.generated) { rest += ' · generated ' + String(snap.generated).slice(0, 16).replace('T', ' ') + ' UTC'; }
    meta.appendChild(document.createTextNode(rest));
  })();

  renderChanges();
  buildTree();
  renderTimeline();
  applyFilter();
  document.getElementById('search').addEventListener('input', scheduleFilter);
  document.getElementById('show').addEventListener('change', applyFilter);
  window.addEventListener('hashchange', openFromHash);
  openFromHash();
  document.body.setAttribute('data-render-ms', String(Math.round(performance.now() - started)));
  document.body.setAttribute('data-ready', 'true');
})();
