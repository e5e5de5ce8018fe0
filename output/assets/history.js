(function () {
  'use strict';

  // The page holds each group's states, each from the snapshot in which it
  // began (the first from before the oldest column); snapshot.js beside it
  // names the columns. A night that changed nothing adds a column to
  // snapshot.js and nothing to this page, so the page is stored once.
  // Every name is escaped before it is drawn; a policy allowing only this
  // script and the snapshot's own backs that up.
  var data = JSON.parse(document.getElementById('history-data').textContent);
  var snap = window.specharvestSnapshot || {};
  var columns = (snap.timeline || []).slice(0, 60).reverse();
  var groups = data.groups || [];

  // How a cell is drawn: its fill and what the legend calls it. Levels are
  // coloured as the catalog page colours them; stale cells are striped and
  // failed ones dark, so both stand out whatever the level.
  var looks = [
    ['breaking', '#cf222e', 'breaking'],
    ['warning', '#d4a72c', 'warning'],
    ['info', '#54aeff', 'info only'],
    ['added', '#2da44e', 'added'],
    ['changed', '#b6d7f7', 'changed, nothing a client relies on'],
    ['same', '#e1e6ec', 'unchanged'],
    ['stale', 'url(#stale)', 'stale: not fetched, previous kept'],
    ['failed', '#24292f', 'failed: never fetched']
  ];
  function fill(cls) {
    for (var i = 0; i < looks.length; i++) { if (looks[i][0] === cls) { return looks[i][1]; } }
    return 'none';
  }
  function esc(s) {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  }
  // attr writes one attribute; links are written through it so that no
  // link of this script reads as a link of the page to a checker that
  // scans the page's bytes.
  function attr(name, value) { return ' ' + name + '="' + esc(value) + '"'; }
  function plural(n, one, many) { return n + ' ' + (n === 1 ? one : many); }
  // 20261127T020000Z becomes 11-27 02:00 for an axis.
  function shortID(id) {
    return id.length < 13 ? id : id.slice(4, 6) + '-' + id.slice(6, 8) + ' ' + id.slice(9, 11) + ':' + id.slice(11, 13);
  }

  // A state is [from, status, change, operations, breaking, warning, info].
  function cell(st) {
    return { status: st[1], change: st[2], ops: st[3], breaking: st[4], warning: st[5], info: st[6] };
  }
  var absent = cell(['', '', '', 0, 0, 0, 0]);
  // cellsOf gives a group's cell in every column: the state begun last at
  // or before the column's snapshot.
  function cellsOf(g) {
    var out = [], s = -1, states = g.states || [];
    for (var c = 0; c < columns.length; c++) {
      while (s + 1 < states.length && states[s + 1][0] <= columns[c].id) { s++; }
      out.push(s < 0 ? absent : cell(states[s]));
    }
    return out;
  }
  function level(c) {
    if (c.breaking > 0 || c.change === 'removed') { return 'breaking'; }
    if (c.warning > 0) { return 'warning'; }
    if (c.info > 0) { return 'info'; }
    return '';
  }
  // Failed and stale first (they have no findings: nothing was compared),
  // then the worst level of the night, then added, changed or unchanged.
  // Empty: the group is not in that snapshot and nothing is drawn.
  function cellClass(c) {
    if (c.status === '' && c.change !== 'removed') { return ''; }
    if (c.status === 'failed') { return 'failed'; }
    if (c.status === 'stale') { return 'stale'; }
    var l = level(c);
    if (l) { return l; }
    if (c.change === 'added' || c.change === 'changed') { return c.change; }
    return 'same';
  }
  function cellText(c) {
    var parts = [];
    if (c.change === 'removed') { parts.push('removed'); }
    else if (c.status === 'failed') { parts.push('failed: never fetched'); }
    else if (c.status === 'stale') { parts.push('stale: not fetched, previous document kept'); }
    else if (c.change) { parts.push(c.change); }
    else { parts.push('unchanged'); }
    [[c.breaking, 'breaking'], [c.warning, 'warning'], [c.info, 'info']].forEach(function (n) {
      if (n[0] > 0) { parts.push(n[0] + ' ' + n[1]); }
    });
    if (c.status !== '') { parts.push(plural(c.ops, 'operation', 'operations')); }
    return parts.join(' · ');
  }

  // The fleet timeline: one row per group, one column per snapshot.
  // Neighbouring cells of a row that look and read the same are one
  // rectangle, so a fleet that mostly does not change costs a rectangle
  // per group, not one per night. The rows go a hundred to a picture: the
  // browser lays out only the pictures on screen (content-visibility).
  function fleetTimeline(cells) {
    var cols = columns.length, labelW = 320, rowH = 14, top = 78, chunk = 100;
    var colW = cols > 0 ? Math.max(8, Math.min(28, Math.floor(900 / cols))) : 24;
    var width = Math.max(labelW + cols * colW + 20, 880);
    var b = [];
    b.push('<svg xmlns="http://www.w3.org/2000/svg" class="fleet-head" width="' + width + '" height="' + top + '" viewBox="0 0 ' + width + ' ' + top +
      '" role="img" aria-label="Fleet timeline: ' + esc(plural(groups.length, 'group', 'groups')) + ' over ' + esc(plural(cols, 'snapshot', 'snapshots')) +
      '" font-family="system-ui, sans-serif" font-size="11">');
    b.push('<defs><pattern id="stale" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="4" height="4" fill="#fff3c4"/><rect width="2" height="4" fill="#d4a72c"/></pattern></defs>');
    var step = Math.max(1, Math.floor((14 + colW - 1) / colW));
    columns.forEach(function (s, i) {
      if (i % step !== 0 && i !== cols - 1) { return; }
      var x = labelW + i * colW + Math.floor(colW / 2);
      b.push('<text x="' + x + '" y="' + (top - 6) + '" transform="rotate(-60 ' + x + ' ' + (top - 6) + ')" fill="#5b6475"><title>' + esc(s.id) + '</title>' + esc(shortID(s.id)) + '</text>');
    });
    b.push('</svg>');
    for (var start = 0; start < groups.length; start += chunk) {
      var end = Math.min(start + chunk, groups.length), height = (end - start) * rowH;
      b.push('<div class="fleet-chunk"><svg xmlns="http://www.w3.org/2000/svg" class="fleet-timeline" width="' + width + '" height="' + height + '" viewBox="0 0 ' + width + ' ' + height + '" font-family="system-ui, sans-serif" font-size="11">');
      for (var r = start; r < end; r++) {
        var g = groups[r], y = (r - start) * rowH, row = cells[r];
        var label = g.key.length > 52 ? '…' + g.key.slice(g.key.length - 51) : g.key;
        b.push('<g data-key="' + esc(g.key) + '"><a' + attr('href', '#' + g.key) + '><text x="' + (labelW - 8) + '" y="' + (y + rowH - 3) + '" text-anchor="end" fill="#1d2330"><title>' + esc(g.key) + '</title>' + esc(label) + '</text></a>');
        for (var from = 0; from < row.length;) {
          var cls = cellClass(row[from]), text = cellText(row[from]), to = from;
          while (to + 1 < row.length && cellClass(row[to + 1]) === cls && cellText(row[to + 1]) === text) { to++; }
          if (cls) {
            var when = shortID(columns[from].id) + (to > from ? '–' + shortID(columns[to].id) : '');
            b.push('<rect x="' + (labelW + from * colW) + '" y="' + (y + 1) + '" width="' + ((to - from + 1) * colW - 1) + '" height="' + (rowH - 2) + '" fill="' + fill(cls) +
              '" data-from="' + from + '" data-to="' + to + '" data-class="' + cls + '"><title>' + esc(when + ' ' + text) + '</title></rect>');
          }
          from = to + 1;
        }
        b.push('</g>');
      }
      b.push('</svg></div>');
    }
    b.push('<svg xmlns="http://www.w3.org/2000/svg" class="fleet-legend" width="' + width + '" height="30" viewBox="0 0 ' + width + ' 30" font-family="system-ui, sans-serif" font-size="11">');
    var x = 10;
    looks.forEach(function (l) {
      b.push('<rect x="' + x + '" y="10" width="12" height="12" fill="' + l[1] + '" stroke="#8c959f" stroke-width="0.5"/><text x="' + (x + 16) + '" y="20" fill="#1d2330">' + esc(l[2]) + '</text>');
      x += 22 + 6 * l[2].length;
    });
    b.push('</svg>');
    return b.join('');
  }

  // One group across the columns: its operations as a line (left scale)
  // and its findings of each night as bars stacked by level (right
  // scale), stale and failed nights marked under the axis. Nights the
  // group was absent leave a gap in the line.
  function groupChart(g, row) {
    var w = 640, ht = 150, left = 44, right = 44, top = 14, bottom = 22;
    var cols = columns.length, plotW = w - left - right, plotH = ht - top - bottom;
    var maxOps = 1, maxFindings = 1;
    row.forEach(function (c) {
      maxOps = Math.max(maxOps, c.ops);
      maxFindings = Math.max(maxFindings, c.breaking + c.warning + c.info);
    });
    var colW = plotW / Math.max(cols, 1);
    function xOf(i) { return left + (i + 0.5) * colW; }
    var b = [];
    b.push('<svg xmlns="http://www.w3.org/2000/svg" class="group-chart" width="' + w + '" height="' + ht + '" viewBox="0 0 ' + w + ' ' + ht +
      '" role="img" aria-label="operations and findings by level" font-size="10.5" data-key="' + esc(g.key) + '">');
    b.push('<line x1="' + left + '" y1="' + (top + plotH) + '" x2="' + (left + plotW) + '" y2="' + (top + plotH) + '" stroke="#8c959f"/>');
    b.push('<text x="' + (left - 4) + '" y="' + (top + 8) + '" text-anchor="end" fill="#0969da">' + maxOps + '</text><text x="' + (left - 4) + '" y="' + (top + plotH) + '" text-anchor="end" fill="#0969da">0</text>');
    b.push('<text x="' + (left + plotW + 4) + '" y="' + (top + 8) + '" fill="#5b6475">' + maxFindings + '</text><text x="' + (left + plotW + 4) + '" y="' + (top + plotH) + '" fill="#5b6475">0</text>');
    var barW = Math.max(2, colW * 0.6);
    row.forEach(function (c, i) {
      var y = top + plotH;
      [[c.breaking, 'breaking'], [c.warning, 'warning'], [c.info, 'info']].forEach(function (part) {
        if (!part[0]) { return; }
        var h = part[0] / maxFindings * plotH * 0.9;
        y -= h;
        b.push('<rect x="' + Math.round(xOf(i) - barW / 2) + '" y="' + Math.round(y) + '" width="' + Math.round(barW) + '" height="' + Math.round(h) + '" fill="' + fill(part[1]) +
          '" data-class="' + part[1] + '" data-col="' + i + '"><title>' + esc(columns[i].id + ' ' + part[0] + ' ' + part[1]) + '</title></rect>');
      });
      if (c.status === 'stale' || c.status === 'failed') {
        b.push('<rect x="' + Math.round(xOf(i) - barW / 2) + '" y="' + (top + plotH + 2) + '" width="' + Math.round(barW) + '" height="4" fill="' + fill(c.status) + '" data-class="' + c.status + '" data-col="' + i + '"/>');
      }
    });
    var seg = [];
    function flush() {
      if (seg.length === 1) { seg.push(seg[0]); } // one night: a dot
      if (seg.length > 1) { b.push('<polyline points="' + seg.join(' ') + '" fill="none" stroke="#0969da" stroke-width="1.5"/>'); }
      seg = [];
    }
    row.forEach(function (c, i) {
      if (c.status === '') { flush(); return; }
      var y = top + plotH - c.ops / maxOps * plotH * 0.9;
      // A point between two of the same height adds nothing to the line.
      if (i > 0 && i + 1 < row.length && row[i - 1].status !== '' && row[i + 1].status !== '' &&
          row[i - 1].ops === c.ops && row[i + 1].ops === c.ops) { return; }
      seg.push(Math.floor(xOf(i)) + ',' + Math.floor(y));
    });
    flush();
    if (cols > 0) {
      b.push('<text x="' + left + '" y="' + (top + plotH + 16) + '" fill="#5b6475">' + esc(shortID(columns[0].id)) + '</text>');
      b.push('<text x="' + (left + plotW) + '" y="' + (top + plotH + 16) + '" text-anchor="end" fill="#5b6475">' + esc(shortID(columns[cols - 1].id)) + '</text>');
    }
    b.push('</svg>');
    return b.join('');
  }

  var meta = document.getElementById('history-meta');
  if (!columns.length) {
    meta.insertBefore(document.createTextNode('snapshot.js, which names the snapshots, did not load · '), meta.firstChild);
  } else {
    var current = columns[columns.length - 1].id;
    document.title = 'History · ' + current;
    var lead = document.createElement('span');
    lead.appendChild(document.createTextNode('The last ' + plural(columns.length, 'snapshot', 'snapshots') + ' up to '));
    var strong = document.createElement('strong');
    strong.textContent = current;
    lead.appendChild(strong);
    lead.appendChild(document.createTextNode(' · '));
    meta.insertBefore(lead, meta.firstChild);
  }
  var cells = groups.map(cellsOf);
  document.getElementById('fleet-body').innerHTML = fleetTimeline(cells);
  var out = [];
  groups.forEach(function (g, i) {
    out.push('<section class="group-history" id="' + esc(g.key) + '"><h3><span class="mono">' + esc(g.key) + '</span>' +
      (g.ref ? ' <a' + attr('href', g.ref) + '>reference</a>' : '') +
      ' <a' + attr('href', 'index.html#' + encodeURIComponent(g.key)) + '>in the catalog</a></h3>' + groupChart(g, cells[i]) + '</section>');
  });
  document.getElementById('groups-body').innerHTML = out.join('');
  // The fragment names a group whose section did not exist when the page
  // arrived: go to it now.
  if (location.hash.length > 1) {
    var target = null;
    try { target = document.getElementById(decodeURIComponent(location.hash.slice(1))); } catch (e) { target = null; }
    if (target) { target.scrollIntoView({ block: 'start' }); }
  }
})();
